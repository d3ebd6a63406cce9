// The webhook observer: POSTs the run's summary as a JSON document (with a `text` field, which
// Slack-, Mattermost- and Teams-style incoming webhooks display) to an http:// or https:// URL,
// retrying with exponential back-off while the server answers 5xx or cannot be reached.
#include <chrono>
#include <string>
#include <thread>

#include <loads/observer.hpp>

#include "webhook.hpp"

namespace {

namespace webhook = loads::observers::webhook;

class WebhookObserver final : public loads::Observer {
public:
    explicit WebhookObserver(const loads::ObserverOptions& options)
        : m_url(webhook::parse_url(options.string("url"))),
          m_ca_file(options.string("ca-file")),
          m_retries(options.integer("retries")),
          m_header_text(options.string("header")),
          m_deadline(options.deadline()),
          // The time left now is the --observer-timeout the user gave, less the few milliseconds
          // it took to start this process: what a timeout message should quote.
          m_budget(std::chrono::duration_cast<std::chrono::milliseconds>(m_deadline -
                                                                         std::chrono::system_clock::now())) {
        if (m_retries < 0) {
            throw std::invalid_argument("--observer-webhook-retries must be 0 or more, not " +
                                        std::to_string(m_retries));
        }
    }

    std::string notify(const loads_run_summary& run) override {
        webhook::Header header;
        if (!m_header_text.empty()) {
            header = webhook::parse_header(m_header_text);
        }
        const std::string body = webhook::build_body(run);
        webhook::Target target{m_url, m_ca_file,
                               webhook::build_request(m_url, body, loads::text(run.version),
                                                      m_header_text.empty() ? nullptr : &header),
                               webhook::seconds_text(m_budget)};
        return webhook::deliver([&] { return webhook::post_once(target, m_deadline); },
                                static_cast<int>(std::min<long long>(m_retries, 1000)), m_deadline,
                                [](std::chrono::milliseconds wait) { std::this_thread::sleep_for(wait); });
    }

private:
    webhook::Url m_url;
    std::string m_ca_file;
    long long m_retries;
    std::string m_header_text;
    loads::observers::Deadline m_deadline;
    std::chrono::milliseconds m_budget;
};

constexpr loads_option_v1 k_webhook_options[] = {
    loads::option("url", "the http:// or https:// URL the run's JSON summary is POSTed to",
                  LOADS_OPTION_STRING),
    loads::option("ca-file", "PEM file of the CAs trusted for https:// (default: the system's)",
                  LOADS_OPTION_STRING),
    loads::option("retries", "how many times to retry after a 5xx answer or a connection failure",
                  LOADS_OPTION_INT, "3"),
    loads::option("header", "one more request header, 'Name: value' (an API token, say)",
                  LOADS_OPTION_STRING),
};

}  // namespace

LOADS_OBSERVER(WebhookObserver, webhook,
               "POSTs the run's summary as JSON to a URL (chat webhooks show its text)", k_webhook_options)
