#include "cluster/run_watcher.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <iostream>
#include <set>

#include <zmq.hpp>

#include "base/usage_error.hpp"
#include "cluster/protocol.hpp"
#include "cluster/zmq_message.hpp"
#include "results/stats_codec.hpp"

namespace loads::host {

namespace {

using steady = std::chrono::steady_clock;

// The broker publishes every second: this long without a word, and the runner asks it directly.
constexpr auto k_silence = std::chrono::seconds(3);
constexpr auto k_progress_period = std::chrono::milliseconds(100);

std::string utc_text(double epoch) {
    const auto t = static_cast<std::time_t>(epoch);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

AgentView agent_from_json(const JsonValue& a) {
    return {std::string(a.string_at("agent_id").value_or("?")),
            std::string(a.string_at("hostname").value_or("")), std::string(a.string_at("state").value_or("")),
            a.number_at("changed_at").value_or(0), std::string(a.string_at("message").value_or(""))};
}

// The users cycle a run is in at `fraction` of its plan (`elapsed` seconds in): what a local run's
// engine reports with its progress.
// Where a distributed run's stages are: the agents follow them from the broker's shared start.
// Users are the stages' target on every agent (how many run is not reported, so `users` is it too).
void place_in_stages(const RunPlan& plan, double elapsed, std::size_t agents, ProgressInfo& info) {
    const LoadProfile* stages = plan.stages();
    if (stages == nullptr) {
        return;
    }
    const LoadProfile::Position at = stages->position(std::max(0.0, elapsed - k_shared_start_lead_seconds));
    info.stage = at.stage;
    info.stage_count = at.stage_count;
    info.target = at.level;
    if (plan.user_stages) {
        info.target = std::floor(info.target + 1e-9) * double(std::max<std::size_t>(agents, 1));
        info.users = static_cast<std::uint32_t>(info.target);
    }
}

void place_in_plan(const RunPlan& plan, double fraction, double elapsed, std::size_t agents,
                   ProgressInfo& info) {
    if (plan.users.empty()) {
        return;
    }
    std::size_t cycle = plan.users.size() - 1;
    if (plan.duration) {
        const double per_cycle = std::chrono::duration<double>(*plan.duration).count();
        if (per_cycle > 0) {
            cycle = std::min(cycle, static_cast<std::size_t>(std::max(0.0, elapsed / per_cycle)));
        }
    } else {
        double total = 0;
        for (auto u : plan.users) {
            total += double(u);
        }
        double done = 0;
        for (std::size_t c = 0; c < plan.users.size(); ++c) {
            done += double(plan.users[c]);
            if (total > 0 && fraction < done / total) {
                cycle = c;
                break;
            }
        }
    }
    info.cycle = static_cast<std::uint32_t>(cycle);
    info.users = plan.users[cycle];
    place_in_stages(plan, elapsed, agents, info);
}

}  // namespace

void say_agent(const AgentView& a) {
    if (a.state == "failed" || a.state == "lost") {
        std::cerr << "loads-runner: agent " << a.agent_id << " " << a.state << " at "
                  << utc_text(a.changed_at) << (a.message.empty() ? "" : ": " + a.message)
                  << " (what it sent before is counted)\n";
    }
}

std::vector<AgentView> agents_from_json(const JsonValue* list) {
    std::vector<AgentView> out;
    if (list != nullptr && list->as_array() != nullptr) {
        for (const auto& a : *list->as_array()) {
            out.push_back(agent_from_json(a));
        }
    }
    return out;
}

RunState fetch_run(BrokerClient& client, const std::string& run_id) {
    const BrokerReply reply =
        client.call({{"command", JsonValue("CTRL_GET_RUN")}, {"run_id", JsonValue(run_id)}});
    const JsonValue& r = reply.result;
    RunState s;
    s.run_id = run_id;
    s.fqn = std::string(r.string_at("fqn").value_or(""));
    if (const JsonValue* options = r.find("options")) {
        s.options = *options;
    }
    s.started = r.number_at("started").value_or(0);
    s.active = r.bool_at("active").value_or(false);
    s.status = std::string(r.string_at("status").value_or(""));
    s.seq = static_cast<std::uint64_t>(std::max<std::int64_t>(0, r.int_at("seq").value_or(0)));
    s.elapsed = r.number_at("elapsed").value_or(0);
    s.progress = r.number_at("progress").value_or(0);
    s.agents = agents_from_json(r.find("agents"));
    if (reply.frames.size() != 1) {
        throw ClusterError("the broker's description of run " + run_id + " has no figures");
    }
    if (const std::string error = decode_stats(reply.frames[0], s.total); !error.empty()) {
        throw ClusterError("the broker's figures for run " + run_id + " do not decode: " + error);
    }
    return s;
}

struct RunWatcher::Socket {
    zmq::context_t context{1};
    zmq::socket_t sub{context, zmq::socket_type::sub};
};

RunWatcher::RunWatcher(const std::string& publisher, std::string run_id)
    : m_socket(std::make_unique<Socket>()), m_run_id(std::move(run_id)) {
    auto& sub = m_socket->sub;
    sub.set(zmq::sockopt::linger, 0);
    sub.set(zmq::sockopt::rcvhwm, 100'000);
    sub.set(zmq::sockopt::maxmsgsize, std::int64_t{256} << 20);
    sub.set(zmq::sockopt::subscribe, m_run_id);
    try {
        sub.connect(publisher);
    } catch (const zmq::error_t& e) {
        throw UsageError("publisher endpoint '" + publisher + "': " + e.what());
    }
}

RunWatcher::~RunWatcher() = default;

namespace {

// One watch() call: the figures applied so far, when the runner last heard the run, and what it
// told the user. Each published message kind, each question to the broker and each progress line
// is one step of its own.
class RunFollower {
public:
    RunFollower(RunState start, const RunPlan& plan, RunListener& listener, BrokerClient& client,
                zmq::socket_t& sub, const std::string& run_id)
        : m_plan(plan), m_listener(listener), m_client(client), m_sub(sub), m_run_id(run_id) {
        m_result.total = std::move(start.total);
        m_result.agents = std::move(start.agents);
        m_result.progress = start.progress;
        m_applied = start.seq;
        m_elapsed = start.elapsed;
    }

    WatchResult follow(const std::atomic<bool>& interrupt) {
        tell(m_result.agents);
        while (true) {
            if (interrupt.load()) {
                return ended(WatchResult::End::interrupted, steady::now());
            }
            wait_for_publisher();
            const Read read = read_published();
            if (read == Read::finished) {
                return std::move(m_result);
            }
            const auto now = steady::now();
            if (read == Read::missed || now - m_last_heard > k_silence) {
                if (auto result = ask_broker(now, read == Read::missed)) {
                    return std::move(*result);
                }
            }
            if (now >= m_next_progress) {
                show_progress(now);
            }
        }
    }

private:
    // What reading the publisher came to: every message in step, one missed (or unreadable, so
    // the total the runner holds is no longer the broker's), or the run's end.
    enum class Read { in_step, missed, finished };

    // Briefly, so an interrupt and the progress line are never late.
    void wait_for_publisher() {
        zmq::pollitem_t item{m_sub.handle(), 0, ZMQ_POLLIN, 0};
        try {
            zmq::poll(&item, 1, std::chrono::milliseconds(50));
        } catch (const zmq::error_t& e) {
            if (e.num() != EINTR) {
                throw;
            }
        }
    }

    // Every message waiting, to the end unless the run ends: a missed one is asked about after.
    Read read_published() {
        bool missed = false;
        while (receive_message(m_sub, m_message, 5)) {
            const Read read = on_message();
            if (read == Read::finished) {
                return read;
            }
            missed = missed || read == Read::missed;
        }
        return missed ? Read::missed : Read::in_step;
    }

    Read on_message() {
        const ZmqMessage& m = m_message;
        if (m.too_many_frames || m.size() < 2 || m.view(0) != m_run_id) {
            return Read::in_step;
        }
        m_last_heard = steady::now();
        m_heard_any = true;
        JsonValue h;
        try {
            h = JsonValue::parse(m.view(1));
        } catch (const JsonParseError&) {
            return Read::in_step;
        }
        const auto type = h.string_at("type");
        const auto seq = static_cast<std::uint64_t>(std::max<std::int64_t>(0, h.int_at("seq").value_or(0)));
        if (type == "interval" && m.size() == 3) {
            return on_interval(h, seq);
        }
        if (type == "agent" && h.find("agent") != nullptr) {
            on_agent(agent_from_json(*h.find("agent")));
        } else if (type == "finished" && m.size() == 4) {
            return on_finished(h, seq);
        }
        return Read::in_step;
    }

    Read on_interval(const JsonValue& h, std::uint64_t seq) {
        if (seq <= m_applied) {
            return Read::in_step;  // already in the total
        }
        RunStats interval;
        if (seq != m_applied + 1 || !decode_stats(m_message.view(2), interval).empty()) {
            return Read::missed;
        }
        m_result.total.merge(interval);
        m_applied = seq;
        m_elapsed = h.number_at("elapsed").value_or(m_elapsed);
        m_elapsed_at = steady::now();
        m_result.progress = h.number_at("progress").value_or(m_result.progress);
        refresh(std::move(interval), m_result.progress, m_elapsed);
        return Read::in_step;
    }

    void on_agent(const AgentView& a) {
        tell({a});
        for (auto& known : m_result.agents) {
            if (known.agent_id == a.agent_id) {
                known = a;
            }
        }
    }

    Read on_finished(const JsonValue& h, std::uint64_t seq) {
        RunStats last;
        RunStats total;
        if (!decode_stats(m_message.view(2), last).empty() ||
            !decode_stats(m_message.view(3), total).empty()) {
            return Read::missed;
        }
        WatchResult& r = m_result;
        r.end = WatchResult::End::finished;
        r.status = std::string(h.string_at("status").value_or(""));
        // The final total is the broker's own: exact even if an interval was missed.
        r.last_interval = seq == m_applied + 1 ? std::move(last) : RunStats();
        r.total = std::move(total);
        r.elapsed = h.number_at("elapsed").value_or(m_elapsed);
        r.agents = agents_from_json(h.find("agents"));
        tell(r.agents);
        if (r.status == "completed") {
            // As a local run's bar: 100% once, at the end of a complete run.
            r.progress = 1.0;
            m_info.fraction = 1.0;
            m_info.elapsed = r.elapsed;
            place_in_plan(m_plan, m_info.fraction, m_info.elapsed, m_result.agents.size(), m_info);
            m_listener.on_progress(m_info);
        }
        return Read::finished;
    }

    // Missed a message, or heard nothing for a while: asks the broker where the run is. A result
    // when the run is over or can no longer be followed; else the runner is in step again.
    std::optional<WatchResult> ask_broker(steady::time_point now, bool missed) {
        m_last_heard = now;
        RunState s;
        try {
            s = fetch_run(m_client, m_run_id);
        } catch (const Interrupted&) {
            return ended(WatchResult::End::interrupted, now);  // the user's Ctrl-C while the broker was asked
        } catch (const ClusterError&) {
            return ended(WatchResult::End::broker_lost, now);
        }
        if (!s.active) {
            return finished_from(std::move(s));
        }
        tell(s.agents);
        if (!m_heard_any && !missed && !m_warned) {
            m_warned = true;
            std::cerr
                << "loads-runner: nothing arrives from the broker's publisher; following the run by asking "
                   "the broker every "
                << k_silence.count() << " s (is --zmq-publisher reachable?)\n";
        }
        catch_up(std::move(s), now);
        return std::nullopt;
    }

    // Takes the broker's figures when they are newer than the ones the runner holds.
    void catch_up(RunState&& s, steady::time_point now) {
        m_elapsed = s.elapsed;
        m_elapsed_at = now;
        m_result.progress = s.progress;
        if (s.seq != m_applied) {
            m_result.total = std::move(s.total);
            m_applied = s.seq;
            refresh(RunStats(), s.progress, s.elapsed);
        }
    }

    // The run ended while the runner asked the broker: the broker's description is the end.
    WatchResult finished_from(RunState&& s) {
        tell(s.agents);
        WatchResult& r = m_result;
        r.end = WatchResult::End::finished;
        r.status = s.status;
        r.total = std::move(s.total);
        r.last_interval = RunStats();
        r.elapsed = s.elapsed;
        r.agents = std::move(s.agents);
        r.progress = s.progress;
        return std::move(r);
    }

    // The watch ends before the run: the elapsed time is the last heard plus what passed since.
    WatchResult ended(WatchResult::End end, steady::time_point now) {
        m_result.end = end;
        m_result.elapsed = m_elapsed + std::chrono::duration<double>(now - m_elapsed_at).count();
        return std::move(m_result);
    }

    void refresh(RunStats interval, double fraction, double elapsed) {
        m_info.fraction = fraction;
        m_info.elapsed = elapsed;
        place_in_plan(m_plan, m_info.fraction, m_info.elapsed, m_result.agents.size(), m_info);
        // The open model's live figures, merged (as a local run's progress carries them).
        m_info.arrivals = m_result.total.arrivals();
        m_info.dropped_arrivals = m_result.total.dropped_arrivals();
        m_listener.on_refresh(m_result.total, std::move(interval), m_info);
    }

    void show_progress(steady::time_point now) {
        m_next_progress = now + k_progress_period;
        m_info.fraction = m_result.progress;
        m_info.elapsed = m_elapsed + std::chrono::duration<double>(now - m_elapsed_at).count();
        place_in_plan(m_plan, m_info.fraction, m_info.elapsed, m_result.agents.size(), m_info);
        m_listener.on_progress(m_info);
    }

    // Every agent that failed (or was lost) is named on stderr once per such state, with its
    // reason, whether the news came live or in a snapshot: a refusal can reach the broker before
    // this runner has subscribed.
    void tell(const std::vector<AgentView>& agents) {
        for (const AgentView& a : agents) {
            if (m_said.emplace(a.agent_id, a.state).second) {
                say_agent(a);
            }
        }
    }

    const RunPlan& m_plan;
    RunListener& m_listener;
    BrokerClient& m_client;
    zmq::socket_t& m_sub;
    const std::string& m_run_id;
    WatchResult m_result;
    std::uint64_t m_applied = 0;                      ///< The seq of the last interval in m_result.total.
    double m_elapsed = 0;                             ///< The run's elapsed seconds when last heard...
    steady::time_point m_elapsed_at = steady::now();  ///< ...at this time.
    steady::time_point m_last_heard = steady::now();
    steady::time_point m_next_progress = steady::now();
    ProgressInfo m_info;
    ZmqMessage m_message;
    bool m_heard_any = false;  ///< From the publisher.
    bool m_warned = false;     ///< That the publisher is silent.
    std::set<std::pair<std::string, std::string>> m_said;
};

}  // namespace

WatchResult RunWatcher::watch(RunState start, const RunPlan& plan, RunListener& listener,
                              BrokerClient& client, const std::atomic<bool>& interrupt) {
    return RunFollower(std::move(start), plan, listener, client, m_socket->sub, m_run_id).follow(interrupt);
}

}  // namespace loads::host
