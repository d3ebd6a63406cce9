/* An output written in plain C against abi.h alone (no C++ face): proof that the output ABI is
   C. It counts HIT events and the refreshes, then writes them with the final totals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <loads/abi.h>

typedef struct counts {
    char path[4096];
    unsigned long hit_events;
    unsigned long refreshes;
    char error[4200];
} counts;

static void* create(const loads_output_config* config, loads_outcome* error) {
    static const char message[] = "c_output needs --output-c-output-filename";
    counts* c = calloc(1, sizeof *c);
    if (c == NULL) {
        return NULL;
    }
    if (config->value_count != 1 || config->values[0].value.len == 0 ||
        config->values[0].value.len >= sizeof c->path) {
        free(c);
        error->message.ptr = message;
        error->message.len = sizeof message - 1;
        return NULL;
    }
    memcpy(c->path, config->values[0].value.ptr, config->values[0].value.len);
    return c;
}

static void destroy(void* self) {
    free(self);
}

static void event(void* self, const loads_event* e) {
    if (e->kind == LOADS_EVENT_HIT) {
        ((counts*)self)->hit_events++;
    }
}

static void refresh(void* self, const loads_snapshot* s) {
    (void)s;
    ((counts*)self)->refreshes++;
}

static int32_t finish(void* self, const loads_snapshot* s, loads_outcome* error) {
    counts* c = self;
    FILE* f = fopen(c->path, "w");
    if (f == NULL) {
        snprintf(c->error, sizeof c->error, "cannot write %s", c->path);
        error->message.ptr = c->error;
        error->message.len = strlen(c->error);
        return LOADS_STATUS_ERROR;
    }
    fprintf(f, "hit_events=%lu hits=%llu urls=%zu final=%d refreshes=%lu\n", c->hit_events,
            (unsigned long long)s->total->hits, s->total->url_count, s->final, c->refreshes);
    fclose(f);
    return LOADS_STATUS_SUCCESS;
}

static const loads_option_v1 options[] = {
    {{"filename", 8}, {"where the counts go", 19}, LOADS_OPTION_STRING, {"", 0}},
};

static const loads_output_v1 output = {sizeof(loads_output_v1),
                                       LOADS_ABI_MAJOR,
                                       LOADS_ABI_MINOR,
                                       {"c_output", 8},
                                       {"counts, in C", 12},
                                       options,
                                       1,
                                       1u << LOADS_EVENT_HIT,
                                       create,
                                       destroy,
                                       NULL,
                                       event,
                                       NULL,
                                       refresh,
                                       finish};

__attribute__((visibility("default"), used, section(LOADS_OUTPUT_SECTION)))
const loads_output_v1* const loads_o__c_output = &output;
