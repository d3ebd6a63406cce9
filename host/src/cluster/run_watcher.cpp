#include "cluster/run_watcher.hpp"

#include <ctime>
#include <iostream>
#include <set>

#include <zmq.hpp>

#include "base/usage_error.hpp"
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
void place_in_plan(const RunPlan& plan, double fraction, double elapsed, ProgressInfo& info) {
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

WatchResult RunWatcher::watch(RunState start, const RunPlan& plan, RunListener& listener,
                              BrokerClient& client, const std::atomic<bool>& interrupt) {
    WatchResult r;
    r.total = std::move(start.total);
    r.agents = std::move(start.agents);
    std::uint64_t applied = start.seq;
    double elapsed = start.elapsed;
    r.progress = start.progress;
    auto elapsed_at = steady::now();
    auto last_heard = steady::now();
    auto next_progress = steady::now();
    ProgressInfo info;
    ZmqMessage m;
    bool heard_any = false;  // from the publisher
    bool warned = false;
    // Every agent that failed (or was lost) is named on stderr once per such state, with its
    // reason, whether the news came live or in a snapshot: a refusal can reach the broker before
    // this runner has subscribed.
    std::set<std::pair<std::string, std::string>> said;
    const auto tell = [&said](const std::vector<AgentView>& agents) {
        for (const AgentView& a : agents) {
            if (said.emplace(a.agent_id, a.state).second) {
                say_agent(a);
            }
        }
    };
    tell(r.agents);

    const auto finish_from = [&](RunState&& s) {
        tell(s.agents);
        r.end = WatchResult::End::finished;
        r.status = s.status;
        r.total = std::move(s.total);
        r.last_interval = RunStats();
        r.elapsed = s.elapsed;
        r.agents = std::move(s.agents);
        r.progress = s.progress;
        return r;
    };

    while (true) {
        if (interrupt.load()) {
            r.end = WatchResult::End::interrupted;
            r.elapsed = elapsed + std::chrono::duration<double>(steady::now() - elapsed_at).count();
            return r;
        }
        zmq::pollitem_t item{m_socket->sub.handle(), 0, ZMQ_POLLIN, 0};
        try {
            zmq::poll(&item, 1, std::chrono::milliseconds(50));
        } catch (const zmq::error_t& e) {
            if (e.num() != EINTR) {
                throw;
            }
        }
        bool resync = false;
        while (receive_message(m_socket->sub, m, 5)) {
            if (m.too_many_frames || m.size() < 2 || m.view(0) != m_run_id) {
                continue;
            }
            last_heard = steady::now();
            heard_any = true;
            JsonValue h;
            try {
                h = JsonValue::parse(m.view(1));
            } catch (const JsonParseError&) {
                continue;
            }
            const auto type = h.string_at("type");
            const auto seq =
                static_cast<std::uint64_t>(std::max<std::int64_t>(0, h.int_at("seq").value_or(0)));
            if (type == "interval" && m.size() == 3) {
                if (seq <= applied) {
                    continue;
                }
                RunStats interval;
                if (seq != applied + 1 || !decode_stats(m.view(2), interval).empty()) {
                    resync = true;
                    continue;
                }
                r.total.merge(interval);
                applied = seq;
                elapsed = h.number_at("elapsed").value_or(elapsed);
                elapsed_at = steady::now();
                r.progress = h.number_at("progress").value_or(r.progress);
                info.fraction = r.progress;
                info.elapsed = elapsed;
                place_in_plan(plan, info.fraction, info.elapsed, info);
                listener.on_refresh(r.total, std::move(interval), info);
            } else if (type == "agent" && h.find("agent") != nullptr) {
                const AgentView a = agent_from_json(*h.find("agent"));
                tell({a});
                for (auto& known : r.agents) {
                    if (known.agent_id == a.agent_id) {
                        known = a;
                    }
                }
            } else if (type == "finished" && m.size() == 4) {
                RunStats last;
                RunStats total;
                if (!decode_stats(m.view(2), last).empty() || !decode_stats(m.view(3), total).empty()) {
                    resync = true;
                    continue;
                }
                r.end = WatchResult::End::finished;
                r.status = std::string(h.string_at("status").value_or(""));
                // The final total is the broker's own: exact even if an interval was missed.
                r.last_interval = seq == applied + 1 ? std::move(last) : RunStats();
                r.total = std::move(total);
                r.elapsed = h.number_at("elapsed").value_or(elapsed);
                r.agents = agents_from_json(h.find("agents"));
                tell(r.agents);
                if (r.status == "completed") {
                    // As a local run's bar: 100% once, at the end of a complete run.
                    r.progress = 1.0;
                    info.fraction = 1.0;
                    info.elapsed = r.elapsed;
                    place_in_plan(plan, info.fraction, info.elapsed, info);
                    listener.on_progress(info);
                }
                return r;
            }
        }
        const auto now = steady::now();
        if (resync || now - last_heard > k_silence) {
            // Missed a message, or heard nothing for a while: ask the broker where the run is.
            last_heard = now;
            RunState s;
            try {
                s = fetch_run(client, m_run_id);
            } catch (const Interrupted&) {
                r.end = WatchResult::End::interrupted;  // the user's Ctrl-C while the broker was asked
                r.elapsed = elapsed + std::chrono::duration<double>(now - elapsed_at).count();
                return r;
            } catch (const ClusterError&) {
                r.end = WatchResult::End::broker_lost;
                r.elapsed = elapsed + std::chrono::duration<double>(now - elapsed_at).count();
                return r;
            }
            if (!s.active) {
                return finish_from(std::move(s));
            }
            tell(s.agents);
            if (!heard_any && !resync && !warned) {
                warned = true;
                std::cerr << "loads-runner: nothing arrives from the broker's publisher; following the run "
                             "by asking "
                             "the broker every "
                          << k_silence.count() << " s (is --zmq-publisher reachable?)\n";
            }
            elapsed = s.elapsed;
            elapsed_at = now;
            r.progress = s.progress;
            if (s.seq != applied) {
                r.total = std::move(s.total);
                applied = s.seq;
                info.fraction = s.progress;
                info.elapsed = s.elapsed;
                place_in_plan(plan, info.fraction, info.elapsed, info);
                listener.on_refresh(r.total, RunStats(), info);
            }
        }
        if (now >= next_progress) {
            next_progress = now + k_progress_period;
            info.fraction = r.progress;
            info.elapsed = elapsed + std::chrono::duration<double>(now - elapsed_at).count();
            place_in_plan(plan, info.fraction, info.elapsed, info);
            listener.on_progress(info);
        }
    }
}

}  // namespace loads::host
