#include "cluster/cluster_admin.hpp"

#include "base/usage_error.hpp"
#include "cluster/broker_client.hpp"

namespace loads::host {

namespace {

void print_runs(const JsonValue& runs, std::ostream& out) {
    const auto* all = runs.as_object();
    if (all == nullptr || all->empty()) {
        out << "Nothing is running right now.\n";
        return;
    }
    out << "We have " << all->size() << " run(s) right now:\n";
    for (const auto& [id, run] : *all) {
        const JsonValue* agents = run.find("agents");
        std::size_t count = 0;
        if (agents != nullptr && agents->as_array() != nullptr) {
            count = agents->as_array()->size();
        } else if (agents != nullptr && agents->as_int()) {
            count = static_cast<std::size_t>(*agents->as_int());
        }
        out << "  - " << id << " with " << count << " agent(s)\n";
    }
}

}  // namespace

int ping_broker(const Options& o, std::ostream& out) {
    BrokerClient client(o.broker);
    const BrokerReply reply = client.call({{"command", JsonValue("PING")}});
    const JsonValue& r = reply.result;
    out << "Broker running on pid " << r.int_at("pid").value_or(0) << '\n';
    const JsonValue* agents = r.find("agents");
    const auto* list = agents != nullptr ? agents->as_object() : nullptr;
    out << (list != nullptr ? list->size() : 0) << " agents registered\n";
    if (list != nullptr) {
        for (const auto& [id, a] : *list) {  // sorted by agent id, as the original
            out << "  - " << a.int_at("pid").value_or(0) << " on " << a.string_at("hostname").value_or("?")
                << '\n';
        }
    }
    out << "endpoints:\n";
    if (const JsonValue* endpoints = r.find("endpoints");
        endpoints != nullptr && endpoints->as_object() != nullptr) {
        for (const auto& [name, endpoint] : *endpoints->as_object()) {  // sorted by name
            out << "  - " << name << ": " << endpoint.as_string().value_or("") << '\n';
        }
    }
    if (const JsonValue* runs = r.find("runs")) {
        print_runs(*runs, out);
    } else {
        out << "Nothing is running right now.\n";
    }
    return 0;
}

int purge_broker(const Options& o, std::ostream& out) {
    BrokerClient client(o.broker);
    const BrokerReply reply = client.call({{"command", JsonValue("CTRL_LIST_RUNS")}});
    const auto* runs = reply.result.as_object();
    if (runs == nullptr || runs->empty()) {
        out << "Nothing to purge.\n";
        return 0;
    }
    print_runs(reply.result, out);
    for (const auto& [id, run] : *runs) {
        try {
            client.call({{"command", JsonValue("CTRL_STOP_RUN")}, {"run_id", JsonValue(id)}});
        } catch (const BrokerUnreachable&) {
            throw;  // not purged: exit 6
        } catch (const ClusterError& e) {
            // It may have ended between the list and the stop: nothing left to purge there.
            out << "  (" << id << ": " << e.what() << ")\n";
        }
    }
    out << "Purged.\n";
    return 0;
}

}  // namespace loads::host
