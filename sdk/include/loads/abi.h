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
#define LOADS_ABI_MINOR 1

/// ELF section holding the test registration pointers (at most 8 characters, a Boost.DLL rule).
#define LOADS_TEST_SECTION "loadstst"
/// Prefix of every test registration symbol: `loads_t__<Class>__<method>`.
#define LOADS_TEST_SYMBOL_PREFIX "loads_t__"

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

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* LOADS_ABI_H */
