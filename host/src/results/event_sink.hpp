// EventSink: where workers hand their event batches. The runner's outputs sit behind it; the
// engine and workers only know which event kinds are wanted and where batches go.
#pragma once

#include <cstdint>
#include <memory>

#include "results/event_buffer.hpp"

namespace loads::host {

class EventSink {
public:
    virtual ~EventSink() = default;
    /// Mask of loads_event kinds (`1u << kind`) some output wants; 0 means record none.
    virtual std::uint32_t wanted_events() const noexcept = 0;
    /// Thread-safe: called by every worker thread, about every 500 ms.
    virtual void publish(std::shared_ptr<const EventBatch> batch) = 0;
};

}  // namespace loads::host
