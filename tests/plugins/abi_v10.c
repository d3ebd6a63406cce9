/* A plugin built against ABI 1.0, written in C: its loads_http_request and loads_http_response
   end before the fields ABI 1.1 appended. The runner must ignore what lies past the request's
   struct_size (here: flags asking not to follow redirects) and write nothing past the response's
   (here: a sentinel where 1.1's `redirects` sits). The test passes when both hold. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <loads/abi.h>

typedef struct old_instance {
    const loads_host_api* host;
    loads_vu* vu;
    char url[256];
} old_instance;

static void* old_create(const loads_host_api* host, loads_vu* vu, const loads_instance_config* config) {
    old_instance* self = calloc(1, sizeof(old_instance));
    if (self == NULL) {
        return NULL;
    }
    self->host = host;
    self->vu = vu;
    size_t n = config->server_url.len < 200 ? config->server_url.len : 200;
    memcpy(self->url, config->server_url.ptr, n);
    memcpy(self->url + n, "/redirect/2", sizeof "/redirect/2");
    return self;
}

static void old_destroy(void* instance) {
    free(instance);
}

static int32_t old_nothing(void* instance, loads_outcome* outcome) {
    (void)instance;
    (void)outcome;
    return LOADS_STATUS_SUCCESS;
}

static int32_t fail(loads_outcome* outcome, const char* message) {
    outcome->message.ptr = message;
    outcome->message.len = strlen(message);
    return LOADS_STATUS_FAILURE;
}

static int32_t old_run(void* instance, loads_outcome* outcome) {
    old_instance* self = instance;
    loads_http_request request;
    memset(&request, 0, sizeof request);
    request.struct_size = (uint32_t)offsetof(loads_http_request, flags); /* the 1.0 size */
    request.method.ptr = "GET";
    request.method.len = 3;
    request.url.ptr = self->url;
    request.url.len = strlen(self->url);
    request.flags = LOADS_REQUEST_NO_REDIRECTS; /* past struct_size: must be ignored */

    loads_http_response response;
    memset(&response, 0, sizeof response);
    response.struct_size = (uint32_t)offsetof(loads_http_response, redirects); /* the 1.0 size */
    response.redirects = 0xDEADBEEFu;

    if (self->host->http_request(self->vu, &request, &response) != LOADS_HTTP_OK) {
        return fail(outcome, "the request failed");
    }
    if (response.status != 200) {
        return fail(outcome, "the redirects were not followed");
    }
    if (response.redirects != 0xDEADBEEFu) {
        return fail(outcome, "the runner wrote past the response's struct_size");
    }
    return LOADS_STATUS_SUCCESS;
}

static const loads_class_v1 old_class = {
    sizeof(loads_class_v1), {"Old", 3}, old_create, old_destroy, old_nothing, old_nothing};
static const loads_test_v1 old_test = {sizeof(loads_test_v1), 1,      0, &old_class,
                                       {"test_redirect", 13}, old_run};

__attribute__((visibility("default"), used, section(LOADS_TEST_SECTION)))
const loads_test_v1* const loads_t__Old__test_redirect = &old_test;
