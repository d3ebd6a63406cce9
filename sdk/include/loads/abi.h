/// @file abi.h
/// @brief The stable C ABI between the loads host (loads-runner, loads-agent) and test plugins.
///
/// This header is plain C11: only fixed-width integers, pointer+length strings, opaque handles and
/// function pointers cross it. No C++ type, exception or RTTI ever does. A plugin built against
/// ABI major M, minor m runs on any host of the same major M whose minor is >= m.
///
/// Rules that keep it stable:
///  - Every struct starts with `uint32_t struct_size`, set by whoever fills the struct, so either
///    side can tell which fields exist. Fields are only ever appended, never reordered or removed.
///  - The host services table (`loads_host_api`) is append-only: a new service is a new slot at
///    the end and bumps LOADS_ABI_MINOR.
///  - Strings are `loads_str` {pointer, length}, UTF-8, not necessarily NUL-terminated.
///  - Ownership is stated on every field: "host-owned" memory is freed by the host, "plugin-owned"
///    memory by the plugin; nobody frees memory the other side allocated.
///
/// Discovery: each registered test is one exported, unmangled pointer variable named
/// `loads_t__<Class>__<method>` placed in the ELF section `loadstst` and pointing at a
/// `loads_test_v1`. The host lists them with Boost.DLL's library_info (no plugin code runs) and
/// reads them after dlopen. The SDK's LOADS_TESTS macro emits them; a plugin written in C
/// can emit them by hand.
#ifndef LOADS_ABI_H
#define LOADS_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// ABI major version: plugins and hosts with different majors refuse each other.
#define LOADS_ABI_MAJOR 1
/// ABI minor version: raised when slots are appended; a host accepts plugins with minor <= its own.
/// 1.1: web sockets. 1.2: output plugins. 1.3: the agents of a distributed run in snapshots.
/// 1.4: observer plugins. 1.5: external runners' malformed messages in loads_stats.
/// 1.6: open-model runs (--rate): arrivals, dropped arrivals and service time in loads_stats, the
/// target rate and user pool in loads_run_info, arrivals in loads_progress; thresholds
/// (--threshold) in the final snapshot; ramping stages (--stages, --rate-stages) in
/// loads_run_info and loads_progress.
#define LOADS_ABI_MINOR 6

/// Whether `ptr`, a versioned struct of type `type` filled by the other side, holds `field`:
/// structs only grow at the end, so it does when the filler's struct_size covers it.
#define LOADS_HAS_FIELD(ptr, type, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(((const type*)0)->field))

/// ELF section holding the test registration pointers (at most 8 characters, a Boost.DLL rule).
#define LOADS_TEST_SECTION "loadstst"
/// Prefix of every test registration symbol: `loads_t__<Class>__<method>`.
#define LOADS_TEST_SYMBOL_PREFIX "loads_t__"
/// ELF section holding output registration pointers (ABI 1.2).
#define LOADS_OUTPUT_SECTION "loadsout"
/// Prefix of every output registration symbol: `loads_o__<name>` (ABI 1.2).
#define LOADS_OUTPUT_SYMBOL_PREFIX "loads_o__"
/// ELF section holding observer registration pointers (ABI 1.4).
#define LOADS_OBSERVER_SECTION "loadsobs"
/// Prefix of every observer registration symbol: `loads_n__<name>` (ABI 1.4).
#define LOADS_OBSERVER_SYMBOL_PREFIX "loads_n__"

/// A UTF-8 string slice. Not NUL-terminated unless a field says so.
/// OWNERSHIP: stated by the field that holds it. LIFETIME: stated by the field that holds it.
typedef struct loads_str {
    const char* ptr; /**< First byte; may be NULL when len is 0. */
    size_t len;      /**< Length in bytes. */
} loads_str;

/// Opaque handle to one virtual user inside the host. Every host service takes it first.
/// OWNERSHIP: host-owned. LIFETIME: from the create call of the test instance to its destroy call.
/// THREADING: a virtual user runs on one thread at a time; services must be called from the
/// thread that is running the plugin call that received the handle, never from another thread.
typedef struct loads_vu loads_vu;

/// Outcome of one plugin call (create, set_up, run, tear_down).
enum loads_status {
    LOADS_STATUS_SUCCESS = 0, /**< The call completed normally. */
    LOADS_STATUS_FAILURE = 1, /**< An assertion failed: the service did not behave as expected. */
    LOADS_STATUS_ERROR = 2    /**< Anything else went wrong (an exception, a network error). */
};

/// What a plugin call reports besides its status. The host allocates it and sets struct_size;
/// the plugin fills it when the status is not SUCCESS.
/// OWNERSHIP: the struct is host-owned; the strings it points to are plugin-owned.
/// LIFETIME: the strings stay valid until the next call made on the same instance, or until
/// destroy; the host copies what it keeps.
typedef struct loads_outcome {
    uint32_t struct_size; /**< sizeof(loads_outcome) as the host knows it. */
    loads_str error_type; /**< For errors: the exception type, e.g. "std::runtime_error". */
    loads_str message;    /**< Human-readable message. */
    loads_str file;       /**< Source file where the failure was raised, if known. */
    uint32_t line;        /**< Line in `file`, 0 if unknown. */
} loads_outcome;

/// One HTTP header, as a pair of slices.
typedef struct loads_http_header {
    loads_str name;
    loads_str value;
} loads_http_header;

/// An HTTP request handed to the host's http_request service.
/// OWNERSHIP: plugin-owned, with everything it points to. LIFETIME: only for the duration of the
/// http_request call; the host copies what it needs.
typedef struct loads_http_request {
    uint32_t struct_size;             /**< sizeof(loads_http_request) as the plugin knows it. */
    loads_str method;                 /**< "GET", "POST", ... (any token; sent as given). */
    loads_str url;                    /**< Absolute URL, `http://host[:port]/path?query`. */
    const loads_http_header* headers; /**< Extra request headers; may be NULL when count is 0. */
    size_t header_count;
    loads_str body; /**< Request body; empty for none. */
    double timeout; /**< Seconds for each exchange (each redirect hop); 0 means the runner's default. */
    /* ABI 1.1 */
    uint32_t flags;         /**< LOADS_REQUEST_* bits. Hosts older than 1.1 ignore them. */
    uint32_t max_redirects; /**< Redirects followed before giving up; 0 means the default (30);
                                 to follow none, set LOADS_REQUEST_NO_REDIRECTS. */
} loads_http_request;

/// loads_http_request.flags (ABI 1.1).
enum loads_request_flags {
    /// Return a 3xx response as it is instead of following its Location.
    LOADS_REQUEST_NO_REDIRECTS = 1u << 0,
    /// Do not verify the TLS certificate or host name of https:// and wss:// servers (the runner may
    /// also turn verification off for every request with --insecure or BYPASS_SSL_CHECK).
    LOADS_REQUEST_NO_VERIFY = 1u << 1
};

/// Kinds of transport failure reported in loads_http_response.error_kind.
enum loads_http_error {
    LOADS_HTTP_OK = 0,              /**< A response was received (any status code). */
    LOADS_HTTP_INVALID_URL = 1,     /**< The URL could not be parsed or its scheme is unsupported. */
    LOADS_HTTP_DNS = 2,             /**< The host name did not resolve. */
    LOADS_HTTP_CONNECT = 3,         /**< Connecting failed (refused, unreachable). */
    LOADS_HTTP_TIMEOUT = 4,         /**< The connect or the exchange timed out. */
    LOADS_HTTP_CONNECTION = 5,      /**< The connection broke (reset, closed mid-response). */
    LOADS_HTTP_PROTOCOL = 6,        /**< The server's reply was not valid HTTP. */
    LOADS_HTTP_CANCELLED = 7,       /**< The runner is stopping this virtual user (grace period over). */
    LOADS_HTTP_INVALID_REQUEST = 8, /**< A header name or value would break the request (CR, LF, ':'). */
    /* ABI 1.1 */
    LOADS_HTTP_TOO_MANY_REDIRECTS = 9, /**< More redirects than loads_http_request.max_redirects. */
    LOADS_HTTP_TLS = 10,               /**< The TLS handshake failed (certificate not trusted...). */
    LOADS_WS_CLOSED = 11,              /**< The web socket is closed and every message received was read. */
    LOADS_WS_NO_MESSAGE = 12,          /**< ws_receive without waiting: no message is there yet. */
    LOADS_WS_HANDSHAKE = 13            /**< The server refused the web socket upgrade. */
};

/// The host's answer to http_request.
/// OWNERSHIP: the struct is plugin-owned (the plugin passes it in with struct_size set); every
/// string the host puts in it is host-owned.
/// LIFETIME: the strings stay valid until the next call to any host service by the same virtual
/// user (http_request or a web socket service), or until the instance is destroyed, whichever
/// comes first. The SDK copies them at once.
typedef struct loads_http_response {
    uint32_t struct_size; /**< sizeof(loads_http_response) as the plugin knows it. */
    int32_t error_kind;   /**< A loads_http_error; when not LOADS_HTTP_OK only `error` is set. */
    loads_str error;      /**< One-line description of the transport failure. */
    int32_t status;       /**< HTTP status code. */
    loads_str url;        /**< The URL of the response: the one requested, or where redirects led. */
    loads_str reason;     /**< The status line's reason phrase. */
    loads_str headers;    /**< Raw header block: "Name: value\r\n" per field, in received order. */
    loads_str body;       /**< Response body. */
    double elapsed;       /**< Seconds from sending the request to the last byte of the response. */
    /* ABI 1.1 */
    uint32_t redirects; /**< Redirects followed before this response; each one was a hit of its own.
                             `url` is then the final URL. */
} loads_http_response;

/// Opaque handle to one web socket of a virtual user (ABI 1.1).
/// OWNERSHIP: host-owned. LIFETIME: from a successful ws_connect until ws_release, or until the
/// virtual user ends, whichever comes first (the host closes and frees every socket its user left
/// open). THREADING: like loads_vu, only from the virtual user's own calls.
typedef struct loads_ws loads_ws;

/// What ws_connect needs (ABI 1.1).
/// OWNERSHIP: plugin-owned, with everything it points to. LIFETIME: only during the call.
typedef struct loads_ws_request {
    uint32_t struct_size;       /**< sizeof(loads_ws_request) as the plugin knows it. */
    loads_str url;              /**< `ws://host[:port]/path` or `wss://...`. */
    const loads_str* protocols; /**< Subprotocols offered, in preference order; may be NULL. */
    size_t protocol_count;
    const loads_http_header* headers; /**< Extra handshake headers; may be NULL when count is 0. */
    size_t header_count;
    double timeout; /**< Seconds for connect + handshake; 0 = --connect-timeout. */
    uint32_t flags; /**< LOADS_REQUEST_NO_VERIFY is honoured. */
} loads_ws_request;

/// The host's answer to ws_connect (ABI 1.1).
/// OWNERSHIP: the struct is plugin-owned; its strings are host-owned.
/// LIFETIME: `error` until the next web socket call of this user; `protocol` while `ws` lives.
typedef struct loads_ws_reply {
    uint32_t struct_size; /**< sizeof(loads_ws_reply) as the plugin knows it. */
    int32_t error_kind;   /**< A loads_http_error; LOADS_HTTP_OK when `ws` was opened. */
    loads_str error;      /**< One-line description when error_kind is not LOADS_HTTP_OK. */
    loads_ws* ws;         /**< The new socket; NULL on error. */
    loads_str protocol;   /**< The subprotocol the server selected; empty if none. */
} loads_ws_reply;

/// One message taken from a web socket (ABI 1.1).
/// OWNERSHIP: the struct is plugin-owned; `data` and `error` are host-owned.
/// LIFETIME: until the next call on the same socket, or ws_release.
typedef struct loads_ws_message {
    uint32_t struct_size; /**< sizeof(loads_ws_message) as the plugin knows it. */
    loads_str data;       /**< The payload. */
    int32_t binary;       /**< 1 for a binary message, 0 for text. */
    loads_str error;      /**< When the call did not return LOADS_HTTP_OK: why. */
} loads_ws_message;

/// Log levels for the log service.
enum loads_log_level { LOADS_LOG_DEBUG = 0, LOADS_LOG_INFO = 1, LOADS_LOG_WARNING = 2, LOADS_LOG_ERROR = 3 };

/// Services the host offers to plugins. Handed to every instance at create time.
/// OWNERSHIP: host-owned. LIFETIME: valid for the whole process. THREADING: every slot may be
/// called concurrently from different virtual users, each with its own loads_vu.
/// APPEND-ONLY: new slots go at the end and raise LOADS_ABI_MINOR; check struct_size (or the
/// ABI minor) before using a slot newer than the plugin's minimum.
typedef struct loads_host_api {
    uint32_t struct_size; /**< sizeof(loads_host_api) as the host knows it. */
    uint16_t abi_major;   /**< The host's LOADS_ABI_MAJOR. */
    uint16_t abi_minor;   /**< The host's LOADS_ABI_MINOR. */

    /// Sends one HTTP request for this virtual user and waits for the reply, suspending only this
    /// virtual user (other users keep running on the same thread). Keep-alive connections are kept
    /// per virtual user and re-opened when the server has closed them. Every request that reaches
    /// the server is recorded as a hit, whatever its status.
    /// Required: yes. @param vu the calling user. @param request the request (struct_size set).
    /// @param response filled by the host (struct_size set by the caller).
    /// @return 0 when a response arrived, otherwise the loads_http_error also stored in it.
    int32_t (*http_request)(loads_vu* vu, const loads_http_request* request, loads_http_response* response);

    /// Adds `delta` to the custom counter `name` (reported under "Custom metrics").
    /// Required: yes. @param name plugin-owned, copied if the host keeps it.
    void (*incr_counter)(loads_vu* vu, loads_str name, int64_t delta);

    /// Suspends this virtual user for `seconds` without blocking its thread.
    /// Required: yes. @return 0, or LOADS_HTTP_CANCELLED when the runner is stopping the user
    /// (the sleep is then cut short).
    int32_t (*sleep)(loads_vu* vu, double seconds);

    /// Writes a line to the runner's log (stderr), prefixed with the level.
    /// Required: yes. @param message plugin-owned, only read during the call.
    void (*log)(loads_vu* vu, int32_t level, loads_str message);

    /* ABI 1.1: web sockets. A socket is counted as opened when its handshake succeeds and as
       closed once, when either side closes it; every payload byte received is counted when it
       arrives, whether or not the test reads the message. */

    /// Opens a web socket for this virtual user, suspending only this user until the handshake
    /// is done. The handshake carries the user's cookies for that URL.
    /// Required: from 1.1. @return 0 with reply->ws set, or the loads_http_error also in reply.
    int32_t (*ws_connect)(loads_vu* vu, const loads_ws_request* request, loads_ws_reply* reply);

    /// Sends one message (text when binary is 0). Suspends this user until it is written.
    /// Required: from 1.1. @param data plugin-owned, only read during the call. @param error set
    /// (host-owned, valid until the next call on the socket) when the return is not 0.
    /// @return 0, LOADS_WS_CLOSED, LOADS_HTTP_CONNECTION, LOADS_HTTP_TIMEOUT or LOADS_HTTP_CANCELLED.
    int32_t (*ws_send)(loads_vu* vu, loads_ws* ws, loads_str data, int32_t binary, loads_str* error);

    /// Takes the next message received on the socket, in arrival order. With `wait` 0 it returns
    /// LOADS_WS_NO_MESSAGE at once when none is there; otherwise it suspends this user until one
    /// arrives, `timeout` seconds pass (0 = --timeout; LOADS_HTTP_TIMEOUT) or the socket closes
    /// (LOADS_WS_CLOSED, once every message received before the close was taken).
    /// Required: from 1.1. @param out struct_size set by the caller; filled by the host.
    /// @return 0, LOADS_WS_NO_MESSAGE, LOADS_WS_CLOSED (also for an unknown handle),
    /// LOADS_HTTP_TIMEOUT, LOADS_HTTP_CANCELLED or LOADS_HTTP_INVALID_REQUEST (bad arguments).
    int32_t (*ws_receive)(loads_vu* vu, loads_ws* ws, int32_t wait, double timeout, loads_ws_message* out);

    /// Closes the socket with a close frame (`code`, e.g. 1000, and `reason`) and waits, at most
    /// a few seconds, for the server's answer. Closing a closed socket does nothing and returns 0.
    /// Messages already received can still be taken with ws_receive.
    /// Required: from 1.1. @param reason plugin-owned, only read during the call; at most 123
    /// bytes are sent. @return 0 (the socket is closed, whether or not the server answered),
    /// LOADS_WS_CLOSED for an unknown handle, LOADS_HTTP_CANCELLED, LOADS_HTTP_INVALID_REQUEST.
    int32_t (*ws_close)(loads_vu* vu, loads_ws* ws, uint16_t code, loads_str reason);

    /// Frees the handle; the socket is closed first if it is still open, without waiting for the
    /// server. The handle must not be used afterwards, and the call must come before the
    /// instance's destroy returns (the SDK's ~TestCase detaches its sockets). Never fails.
    /// Required: from 1.1.
    void (*ws_release)(loads_vu* vu, loads_ws* ws);
} loads_host_api;

/// Per-instance settings the host passes to create.
/// OWNERSHIP: host-owned. LIFETIME: the strings stay valid until the instance is destroyed.
typedef struct loads_instance_config {
    uint32_t struct_size; /**< sizeof(loads_instance_config) as the host knows it. */
    loads_str server_url; /**< --server-url; empty when not given (the class default then stays). */
    uint32_t user_index;  /**< 0-based index of the virtual user in its cycle. */
    uint32_t cycle_users; /**< Number of users in the current cycle. */
} loads_instance_config;

/// A test class: how to make and drive one instance (one instance per virtual user).
/// OWNERSHIP: plugin-owned, static storage. LIFETIME: while the plugin is loaded (the host never
/// unloads a plugin during a run). THREADING: create/destroy may be called from any thread;
/// the calls on one instance never overlap.
typedef struct loads_class_v1 {
    uint32_t struct_size; /**< sizeof(loads_class_v1) as the plugin knows it. */
    loads_str name;       /**< Class name as used in the FQN (no dots). */

    /// Makes an instance for one virtual user. Returns NULL only when memory is exhausted. If the
    /// class's constructor fails, an instance is still returned and every set_up call on it
    /// reports the constructor's error, so the failure is counted per test like any other.
    /// @param host the services table; the instance keeps the pointer.
    /// @param vu the virtual user the instance belongs to; the instance keeps the handle.
    /// @param config host-owned; the plugin copies what it keeps.
    void* (*create)(const loads_host_api* host, loads_vu* vu, const loads_instance_config* config);
    /// Destroys an instance made by create. Never fails.
    void (*destroy)(void* instance);
    /// Runs the class's setUp. @return a loads_status; `outcome` filled when not SUCCESS.
    int32_t (*set_up)(void* instance, loads_outcome* outcome);
    /// Runs the class's tearDown. @return a loads_status; `outcome` filled when not SUCCESS.
    int32_t (*tear_down)(void* instance, loads_outcome* outcome);
} loads_class_v1;

/// One registered test method. The exported `loads_t__<Class>__<method>` symbol points at it.
/// The first three fields are frozen for every ABI version so a host can always read the
/// version of a plugin it cannot otherwise understand.
/// OWNERSHIP: plugin-owned, static storage. LIFETIME: while the plugin is loaded.
typedef struct loads_test_v1 {
    uint32_t struct_size;        /**< sizeof(loads_test_v1) as the plugin knows it. */
    uint16_t abi_major;          /**< LOADS_ABI_MAJOR the plugin was built with. */
    uint16_t abi_minor;          /**< LOADS_ABI_MINOR the plugin was built with. */
    const loads_class_v1* klass; /**< The class the method belongs to. */
    loads_str method;            /**< Method name. */
    /// Runs the method on an instance. @return a loads_status; `outcome` filled when not SUCCESS.
    /// THREADING: called on the virtual user's thread; may suspend through host services.
    int32_t (*run)(void* instance, loads_outcome* outcome);
} loads_test_v1;

/* ============================================================================================
   Output plugins (ABI 1.2)

   An output is where a run's results go: the terminal, a file, a report. It lives in a shared
   library and registers itself like a test: an exported, unmangled pointer variable named
   `loads_o__<name>` in the ELF section `loadsout`, pointing at a `loads_output_v1`. The runner
   finds `--output NAME` as `lib<NAME>.so`, first among its built-in outputs, then on the test
   module search path (the current directory, --test-dir, LOADS_PATH).

   Life of an output: `create` (before the run, on the runner's main thread, with the values of
   its options), then `start`, any number of `event`, `progress` and `refresh` calls, `finish`
   (all of these on one thread the runner dedicates to that output, never two at once), and
   `destroy` (on the main thread). Nothing an output does runs on the threads that make the
   load: events are recorded per thread, handed over in batches every 500 ms, and queued for the
   output, so a slow output delays only itself.
   ============================================================================================ */

/// Kinds of loads_event. An output asks for the kinds it wants with a bit mask
/// (`1u << LOADS_EVENT_...`) in loads_output_v1.events; kinds no output asks for are not even
/// recorded.
enum loads_event_kind {
    LOADS_EVENT_TEST_START = 0,     /**< A test execution (setUp + test + tearDown) begins. */
    LOADS_EVENT_TEST_STOP = 1,      /**< It ended; `status` says how, `elapsed_us` how long it took. */
    LOADS_EVENT_SUCCESS = 2,        /**< It passed (sent just before its TEST_STOP). */
    LOADS_EVENT_FAILURE = 3,        /**< An assertion failed in setUp, the test or tearDown. */
    LOADS_EVENT_ERROR = 4,          /**< Anything else went wrong there. */
    LOADS_EVENT_HIT = 5,            /**< One HTTP exchange got a response (each redirect hop is one). */
    LOADS_EVENT_SOCKET_OPEN = 6,    /**< A web socket handshake succeeded. */
    LOADS_EVENT_SOCKET_CLOSE = 7,   /**< A web socket closed (either side). */
    LOADS_EVENT_SOCKET_MESSAGE = 8, /**< A web socket message arrived; `bytes` is its payload size. */
    LOADS_EVENT_COUNTER = 9         /**< A custom counter changed by `value`. */
};

/// Every event kind: the mask of an output that wants them all.
#define LOADS_EVENTS_ALL 0x3FFu

/// TEST_STOP's `status` when the runner cut the test short (end of the grace period, Ctrl-C):
/// such a test is neither a success nor a problem of the service. Other values are loads_status.
#define LOADS_STATUS_CANCELLED 3

/// One thing that happened during the run, as an output receives it.
/// Fields not used by a kind are zero or empty.
/// OWNERSHIP: host-owned, with every string. LIFETIME: only during the `event` call; copy what
/// you keep. The first fields (up to `user`) are set for every kind.
typedef struct loads_event {
    uint32_t struct_size; /**< sizeof(loads_event) as the host knows it. */
    int32_t kind;         /**< A loads_event_kind. */
    int64_t time_us;      /**< When it happened, in microseconds since the Unix epoch (UTC); for a
                               HIT, when the request was sent. */
    loads_str test;       /**< The test, `module.Class.test`. */
    uint32_t agent;       /**< 0 for a local run; the agent's number (from 1) in a distributed run. */
    uint32_t cycle;       /**< 0-based index of the current value in the users cycle (`-u 10:20`). */
    uint32_t users;       /**< Virtual users in the current cycle. */
    uint32_t series;      /**< Hits in the current hits series (`--hits 5:10`); 0 with --duration. */
    uint32_t hit;         /**< 1-based number of this execution in the series (with --duration: in
                               the cycle) for this user. */
    uint32_t user;        /**< 0-based index of the virtual user in its cycle. */
    /* HIT */
    loads_str method;    /**< HIT: the request method. */
    loads_str url;       /**< HIT: the URL requested; SOCKET_*: the socket's URL. */
    int32_t status;      /**< HIT: the HTTP status; TEST_STOP: a loads_status or LOADS_STATUS_CANCELLED. */
    uint64_t elapsed_us; /**< HIT: from sending to the last byte of the response; TEST_STOP: the
                              execution's duration. */
    /* FAILURE, ERROR */
    loads_str error_type; /**< The exception type (empty for failures raised by assertions). */
    loads_str message;    /**< The message. */
    loads_str file;       /**< Source file of the test code that raised it, if known. */
    uint32_t line;        /**< Line in `file`, 0 if unknown. */
    /* COUNTER */
    loads_str name; /**< COUNTER: the counter's name. */
    int64_t value;  /**< COUNTER: the increment. */
    /* SOCKET_MESSAGE */
    uint64_t bytes; /**< SOCKET_MESSAGE: payload bytes. */
} loads_event;

/// An option's value type. The runner checks values before `create`, so an output never sees
/// "abc" for an INT option.
enum loads_option_type {
    LOADS_OPTION_STRING = 0, /**< Any text. */
    LOADS_OPTION_INT = 1,    /**< A decimal integer, as text. */
    LOADS_OPTION_FLOAT = 2,  /**< A decimal number, as text. */
    LOADS_OPTION_BOOL = 3    /**< "true" or "false" (the runner also accepts yes/no/on/off/1/0). */
};

/// One option an output declares. It becomes `--output-<output>-<name>` on the command line and
/// `<output>_<name>` in the config file's [output] section (or `output-<output>-<name>` in
/// [loads]).
/// FROZEN: this struct never grows (a new need would be a loads_option_v2), so arrays of it
/// are safe. OWNERSHIP: plugin-owned, static storage.
typedef struct loads_option_v1 {
    loads_str name;          /**< Lower case letters, digits and '-'. */
    loads_str help;          /**< One line for --help. */
    int32_t type;            /**< A loads_option_type. */
    loads_str default_value; /**< Used when the option is not given; may be empty. */
} loads_option_v1;

/// An option's value as the output receives it.
/// FROZEN. OWNERSHIP: host-owned. LIFETIME: during `create` only.
typedef struct loads_option_value {
    loads_str name;  /**< Without the `output-<output>-` prefix (for loads_run_info: the full
                          long option name). */
    loads_str value; /**< As text; BOOL options are normalised to "true" or "false". */
} loads_option_value;

/// What `create` receives. OWNERSHIP: host-owned. LIFETIME: during `create` only.
typedef struct loads_output_config {
    uint32_t struct_size;             /**< sizeof(loads_output_config) as the host knows it. */
    const loads_option_value* values; /**< One per declared option, in declaration order. */
    size_t value_count;
} loads_output_config;

/// One ramping stage (--stages, --rate-stages): the load ramps linearly from the previous stage's
/// target (0 for the first) to `target` over `seconds`. FROZEN.
typedef struct loads_stage {
    double seconds; /**< The ramp's duration; 0 is a step. */
    double target;  /**< Users (--stages) or arrivals per second (--rate-stages) at its end. */
} loads_stage;

/// What a run's stages count: loads_run_info.stage_kind.
#define LOADS_STAGES_NONE 0  /**< No stages. */
#define LOADS_STAGES_USERS 1 /**< --stages: users (closed model). */
#define LOADS_STAGES_RATE 2  /**< --rate-stages: arrivals per second (open model). */

/// The run, as described to `start`.
/// OWNERSHIP: host-owned. LIFETIME: during `start` only; copy what you keep.
typedef struct loads_run_info {
    uint32_t struct_size; /**< sizeof(loads_run_info) as the host knows it. */
    loads_str fqn;        /**< `module.Class.test`. */
    loads_str module;     /**< The parts of the fqn. */
    loads_str class_name;
    loads_str method;
    int64_t started_us;    /**< Start of the run, microseconds since the Unix epoch (UTC). */
    const uint32_t* users; /**< The users cycle, e.g. {10, 20, 30}. */
    size_t user_cycles;
    const uint32_t* hits; /**< The hits cycle; empty (count 0) with --duration. */
    size_t hit_cycles;
    double duration;                   /**< Seconds per user cycle with --duration, else 0. */
    uint64_t planned_tests;            /**< Test executions the plan makes (per agent); 0 with --duration. */
    uint32_t agents;                   /**< Agents running the plan; 0 for a local run. */
    loads_str server_url;              /**< --server-url, or empty. */
    loads_str version;                 /**< The runner's version. */
    loads_str node;                    /**< The runner machine's host name. */
    const loads_option_value* options; /**< Every option of the run (long name, value as text,
                                            defaults included), sorted by name. */
    size_t option_count;
    /* ABI 1.6: read only when LOADS_HAS_FIELD(run, loads_run_info, max_users). */
    double rate;        /**< --rate: arrivals per second, of the whole run (a distributed run's
                             agents share them out); 0 for a closed-model run. */
    uint32_t max_users; /**< --max-users: the open-model pool's cap; 0 for a closed-model run. */
    /* ABI 1.6: read only when LOADS_HAS_FIELD(run, loads_run_info, stage_kind). */
    const loads_stage* stages; /**< The ramping stages in order (NULL with count 0 without). With
                                    --stages `users` holds their peak and `duration` their
                                    length; with --rate-stages `rate` is their mean. */
    size_t stage_count;
    uint32_t stage_kind; /**< LOADS_STAGES_NONE, _USERS or _RATE. */
} loads_run_info;

/// One bucket of a latency histogram. FROZEN.
typedef struct loads_bucket {
    uint64_t upper_us; /**< Highest value the bucket holds, in microseconds. */
    uint64_t count;    /**< Values recorded in it (never 0: empty buckets are left out). */
} loads_bucket;

/// A latency distribution: a log-linear histogram (relative error below 0.1%) and figures read
/// from it. FROZEN: it is embedded by value in other structs, so new figures go into those.
typedef struct loads_latency {
    uint64_t count;  /**< Values recorded. */
    uint64_t sum_us; /**< Their sum (the mean is sum_us / count). */
    uint64_t min_us; /**< Exact minimum (0 when count is 0). */
    uint64_t max_us; /**< Exact maximum. */
    uint64_t p50_us; /**< Percentiles, within 0.1%. */
    uint64_t p90_us;
    uint64_t p95_us;
    uint64_t p99_us;
    uint64_t p999_us;
    const loads_bucket* buckets; /**< Non-empty buckets, ascending: enough for any percentile. */
    size_t bucket_count;
} loads_latency;

/// Responses counted per HTTP status. FROZEN.
typedef struct loads_status_count {
    int32_t status;
    uint32_t reserved; /**< Always 0 (explicit padding). */
    uint64_t count;
} loads_status_count;

/// A custom counter's value. FROZEN.
typedef struct loads_counter_value {
    loads_str name;
    int64_t value;
} loads_counter_value;

/// What was measured for one URL.
typedef struct loads_url_stats {
    uint32_t struct_size; /**< sizeof(loads_url_stats) as the host knows it. */
    loads_str url;        /**< The URL (past 2,000 distinct URLs, the rest share "(other URLs)"). */
    uint64_t hits;
    uint64_t successes; /**< Responses with 200 <= status < 400 (the seed's success rate). */
    loads_latency latency;
    const loads_status_count* statuses; /**< Ascending by status. */
    size_t status_count;
} loads_url_stats;

/// One group of identical failures or errors.
typedef struct loads_problem {
    uint32_t struct_size; /**< sizeof(loads_problem) as the host knows it. */
    int32_t kind;         /**< LOADS_STATUS_FAILURE or LOADS_STATUS_ERROR. */
    loads_str error_type; /**< Exception type; empty for assertion failures. */
    loads_str message;
    loads_str location; /**< "file:line" of the test code, or empty. */
    uint64_t count;     /**< Occurrences. */
} loads_problem;

/// A set of figures: for the whole run so far, or for one refresh interval.
/// Arrays of versioned structs are arrays of pointers, so they can grow without breaking
/// plugins built for older hosts.
typedef struct loads_stats {
    uint32_t struct_size; /**< sizeof(loads_stats) as the host knows it. */
    uint64_t hits;
    uint64_t tests_finished; /**< Executions that ended (cancelled ones not included). */
    uint64_t successes;
    uint64_t failures;
    uint64_t errors;
    uint64_t cancelled; /**< Executions cut short by the runner. */
    uint64_t sockets_opened;
    uint64_t sockets_closed;
    uint64_t socket_bytes;              /**< Payload bytes received on web sockets. */
    loads_latency latency;              /**< Every hit. */
    const loads_status_count* statuses; /**< Every hit, by status, ascending. */
    size_t status_count;
    const loads_url_stats* const* urls; /**< Sorted by URL. */
    size_t url_count;
    const loads_counter_value* counters; /**< Sorted by name. */
    size_t counter_count;
    const loads_problem* const* problems; /**< Most common first. */
    size_t problem_count;
    /* ABI 1.5: read only when LOADS_HAS_FIELD(stats, loads_stats, malformed_messages). */
    uint64_t malformed_messages; /**< Messages of external runners (--test-runner) that were ignored:
                                      not JSON, a wrong type, an unknown data_type... Always 0 for a
                                      run of plugin tests. */
    /* ABI 1.6: read only when LOADS_HAS_FIELD(stats, loads_stats, service_time). */
    uint64_t arrivals;          /**< Open-model runs (--rate): iterations the schedule started.
                                     0 in a closed-model run. */
    uint64_t dropped_arrivals;  /**< Open-model runs: arrivals no virtual user was free to take,
                                     the pool being at --max-users; never started, never queued. */
    loads_latency service_time; /**< Open-model runs: each hit from when its request was actually
                                     sent. `latency` is then the corrected figure: the same plus
                                     how late the hit's iteration started after its scheduled
                                     arrival. Empty (count 0) in a closed-model run, where
                                     `latency` is the service time. */
} loads_stats;

/// One agent of a distributed run, as the broker last reported it (ABI 1.3).
/// OWNERSHIP: host-owned. LIFETIME: as the snapshot holding it.
typedef struct loads_agent_report {
    uint32_t struct_size; /**< sizeof(loads_agent_report) as the host knows it. */
    loads_str agent_id;   /**< `hostname-pid`, unique across the cluster's boxes. */
    loads_str hostname;
    loads_str state;    /**< "finished", "failed" (its runner could not run or crashed), "lost" (its
                             heartbeat stopped; what it sent before is counted) or "stopped". */
    int64_t changed_us; /**< When it took that state, microseconds since the Unix epoch (UTC). */
    loads_str message;  /**< Why it failed, was lost or stopped; empty when finished. */
} loads_agent_report;

/// One threshold (--threshold) as judged at the end of the run (ABI 1.6).
/// OWNERSHIP: host-owned. LIFETIME: as the snapshot holding it.
typedef struct loads_threshold {
    uint32_t struct_size; /**< sizeof(loads_threshold) as the host knows it. */
    loads_str expression; /**< As given: `test_es:p99<200ms!`. */
    loads_str scope;      /**< The test it is scoped to, or empty for the whole run. */
    loads_str metric;     /**< `p99`, `errors`, `rps`, `counter.NAME`... */
    loads_str op;         /**< `<`, `<=`, `>`, `>=` or `==`. */
    loads_str unit;       /**< `ms`, `s`, `us`, `%`, `/s` or empty (a count). */
    double limit;         /**< The limit, in `unit`. */
    double measured;      /**< What the run measured, in `unit`; NaN when there was nothing to
                               measure (no hits for a latency, no tests for a share), which fails. */
    int32_t passed;       /**< 1 when the criterion held, 0 when it was crossed. */
    int32_t aborted;      /**< 1 for the threshold whose crossing stopped the run (--abort-on-fail
                               or a `!` suffix); `measured` is then its value at that moment. */
    int32_t partial;      /**< 1 when judged on partial figures: an agent of a distributed run did
                               not finish (read only when LOADS_HAS_FIELD(t, loads_threshold,
                               partial)). */
} loads_threshold;

/// The periodic and final view of the run.
/// OWNERSHIP: host-owned, with everything it points to. LIFETIME: during the call only.
typedef struct loads_snapshot {
    uint32_t struct_size;        /**< sizeof(loads_snapshot) as the host knows it. */
    double elapsed;              /**< Seconds since the run started. */
    double progress;             /**< 0..1 over the whole plan. */
    double interval_start;       /**< Seconds since the start covered by `interval`: from here... */
    double interval_end;         /**< ...to here (== elapsed). */
    const loads_stats* total;    /**< Everything since the start. */
    const loads_stats* interval; /**< Only what was measured during the interval. */
    int32_t final;               /**< 1 in `finish`. */
    int32_t interrupted;         /**< 1 when the run was stopped (Ctrl-C) before its plan was done. */
    /* ABI 1.3: read only when LOADS_HAS_FIELD(snapshot, loads_snapshot, agent_count). */
    const loads_agent_report* const* agents; /**< A distributed run's agents, sorted by id, in
                                                  `finish` (NULL with count 0 otherwise, and for a
                                                  local run). */
    size_t agent_count;
    /* ABI 1.6: read only when LOADS_HAS_FIELD(snapshot, loads_snapshot, threshold_count). */
    const loads_threshold* const* thresholds; /**< The run's thresholds in the order given, in
                                                   `finish` (NULL with count 0 otherwise, and
                                                   when the run has none). */
    size_t threshold_count;
} loads_snapshot;

/// The light, frequent progress report (about every 100 ms). OWNERSHIP: host-owned.
/// LIFETIME: during the call only.
typedef struct loads_progress {
    uint32_t struct_size; /**< sizeof(loads_progress) as the host knows it. */
    double fraction;      /**< 0..1 over the whole plan. */
    double elapsed;       /**< Seconds since the run started. */
    uint32_t cycle;       /**< 0-based index of the running users cycle. */
    uint32_t users;       /**< Its users (--stages: those running now). */
    /* ABI 1.6: read only when LOADS_HAS_FIELD(progress, loads_progress, dropped_arrivals). */
    uint64_t arrivals;         /**< Open model: arrivals started so far (as of the last refresh,
                                    about every second); 0 in a closed-model run. */
    uint64_t dropped_arrivals; /**< Open model: arrivals dropped so far (likewise). */
    /* ABI 1.6: read only when LOADS_HAS_FIELD(progress, loads_progress, target). */
    uint32_t stage;       /**< Ramping stages: the 1-based stage running; 0 without stages. */
    uint32_t stage_count; /**< Stages in all; 0 without. */
    double target;        /**< The stages' target now: users (--stages) or arrivals per second
                               (--rate-stages); 0 without stages. */
} loads_progress;

/// An output. See the section comment above for the order and threads of the calls.
/// OWNERSHIP: plugin-owned, static storage. LIFETIME: while the plugin is loaded (never unloaded
/// during a run). Every function must return normally: no exception may cross it.
typedef struct loads_output_v1 {
    uint32_t struct_size;           /**< sizeof(loads_output_v1) as the plugin knows it. */
    uint16_t abi_major;             /**< LOADS_ABI_MAJOR the plugin was built with. */
    uint16_t abi_minor;             /**< LOADS_ABI_MINOR the plugin was built with (at least 2). */
    loads_str name;                 /**< The name used with --output: lower case letters, digits and '_'. */
    loads_str description;          /**< One line for --help. */
    const loads_option_v1* options; /**< Declared options; may be NULL when count is 0. */
    size_t option_count;
    uint32_t events; /**< Mask of the loads_event kinds wanted (`1u << kind`); 0 for none. */

    /// Makes the output. Check the options and open what must be opened here, so a bad value or
    /// an unwritable file stops the runner before any load is made.
    /// Required: yes. @return the instance, or NULL with `error->message` set (plugin-owned,
    /// valid until the next call into the plugin).
    void* (*create)(const loads_output_config* config, loads_outcome* error);
    /// Destroys the instance. Required: yes. Never fails.
    void (*destroy)(void* self);
    /// The run begins. Optional (NULL). @return a loads_status; when not SUCCESS, `error` says
    /// why and the output gets no more calls but `destroy`.
    int32_t (*start)(void* self, const loads_run_info* run, loads_outcome* error);
    /// One event of a kind the output asked for, in the order the virtual user made them.
    /// Events of different users interleave. Optional (NULL).
    void (*event)(void* self, const loads_event* event);
    /// About every 100 ms (never queued up: a late output only gets the latest). Optional (NULL).
    void (*progress)(void* self, const loads_progress* progress);
    /// About every second, the figures so far and of the last interval. Optional (NULL).
    void (*refresh)(void* self, const loads_snapshot* snapshot);
    /// The run is over: the final figures; write the report now. Called once, also after an
    /// interrupted run. Required: yes. @return a loads_status; when not SUCCESS, `error` says
    /// why (the runner prints it and exits with status 5 once every output has finished).
    int32_t (*finish)(void* self, const loads_snapshot* snapshot, loads_outcome* error);
} loads_output_v1;

/* ============================================================================================
   Observer plugins (ABI 1.4)

   An observer tells people that a run is over: a line in an IRC channel, an email, a chat
   webhook. It registers like an output: an exported, unmangled pointer variable named
   `loads_n__<name>` in the ELF section `loadsobs`, pointing at a `loads_observer_v1`, in
   `lib<name>.so`, found first among the built-in observers, then on the test module search path
   (the current directory, --test-dir, LOADS_PATH); the broker looks in its built-in directory,
   its --observer-path, then LOADS_PATH.

   Life of an observer: one `notify` call per run that names it (`--observer NAME`), after the
   run has ended and every output has written its report: by loads-runner for a local run, by
   loads-broker for a distributed one. Each call happens in a short-lived process of its own
   (`loads-notify`), one per observer, started in the caller's working directory (relative paths
   in options mean what the user meant), so an observer that crashes or hangs takes nothing else
   down: a second past `deadline_us` the process is killed and the host reports a timeout. An observer's
   failure is reported in one line and never changes the run's outcome or exit status.
   ============================================================================================ */

/// What `notify` receives besides the run: its options and its time limit.
/// OWNERSHIP: host-owned. LIFETIME: during `notify` only.
typedef struct loads_observer_config {
    uint32_t struct_size;             /**< sizeof(loads_observer_config) as the host knows it. */
    const loads_option_value* values; /**< One per declared option, in declaration order; BOOL
                                           values normalised to "true"/"false". */
    size_t value_count;
    int64_t deadline_us; /**< Microseconds since the Unix epoch (UTC) by which `notify` must have
                              returned; bound every connect, read and retry by it. */
} loads_observer_config;

/// A run that has ended, as observers are told of it.
/// OWNERSHIP: host-owned, with everything it points to. LIFETIME: during `notify` only.
typedef struct loads_run_summary {
    uint32_t struct_size; /**< sizeof(loads_run_summary) as the host knows it. */
    loads_str run_id;     /**< The run's id (a random UUID): the broker's for a distributed run,
                               one the runner made for a local run. */
    loads_str fqn;        /**< `module.Class.test`. */
    loads_str status;     /**< How it ended: "completed" (the plan ran to its end, failures or
                               not), "interrupted" (a local run stopped by Ctrl-C), "stopped" (a
                               distributed run stopped on request), "partial" (some agents failed
                               or were lost) or "failed" (no agent finished). */
    int64_t started_us;   /**< Microseconds since the Unix epoch (UTC). */
    int64_t ended_us;
    const loads_stats* total;                /**< Every figure of the run (all agents merged). */
    const loads_agent_report* const* agents; /**< A distributed run's agents, sorted by id; NULL
                                                  with count 0 for a local run. */
    size_t agent_count;
    const loads_option_value* options; /**< The run's options (long name, value as text), sorted
                                            by name; no observer's option is among them (they
                                            may hold passwords): an observer reads its own
                                            through `loads_observer_config`. */
    size_t option_count;
    loads_str text;    /**< The host's one-paragraph summary, the seed's sentence with real figures:
                            "Test over. Ran 300 tests in 3.21 s. 300 hits, 93.45 RPS. 0 failures,
                            0 errors, p50 1.2 ms, p99 8.3 ms. Run <id>: completed." plus the agents
                            that did not finish. Plain UTF-8, no line breaks. */
    loads_str node;    /**< Host name of the machine sending the notification. */
    loads_str version; /**< The host's version. */
} loads_run_summary;

/// An observer. OWNERSHIP: plugin-owned, static storage. LIFETIME: while the plugin is loaded.
typedef struct loads_observer_v1 {
    uint32_t struct_size;           /**< sizeof(loads_observer_v1) as the plugin knows it. */
    uint16_t abi_major;             /**< LOADS_ABI_MAJOR the plugin was built with. */
    uint16_t abi_minor;             /**< LOADS_ABI_MINOR the plugin was built with (at least 4). */
    loads_str name;                 /**< The name used with --observer: lower case letters, digits and '_'. */
    loads_str description;          /**< One line for --help. */
    const loads_option_v1* options; /**< Declared options (`--observer-<name>-<option>`, config
                                         key `<name>_<option>` in [observer]); may be NULL when
                                         count is 0. */
    size_t option_count;

    /// Sends the notification and returns when it was delivered or could not be.
    /// Required: yes. THREADING: called once, on the main thread of the `loads-notify` process.
    /// @return a loads_status. SUCCESS: `outcome->message` may say what was done ("sent to
    /// #loads on irc.example.org:6697"). Otherwise `outcome->message` says why, in one line.
    /// The strings are plugin-owned and must stay valid until the process exits.
    int32_t (*notify)(const loads_observer_config* config, const loads_run_summary* run,
                      loads_outcome* outcome);
} loads_observer_v1;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* LOADS_ABI_H */
