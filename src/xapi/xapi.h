/* xapi.h — the Learning Record Store (xAPI 1.0.3) module: statements, about,
 * agents and activities under /xapi/, the LRS client credentials under
 * /api/v1/xapi/clients, the console's statement browser, and the one call other
 * modules use to record the platform's own learning events (the profile in
 * docs/xapi-profile.md). The module's internals are declared in x_impl.h. */
#ifndef SH_XAPI_H
#define SH_XAPI_H

#include "app.h"

#include <jansson.h>

extern const sh_module sh_xapi_module;

/* Verbs of the platform's profile (docs/xapi-profile.md). */
typedef enum {
    SH_XAPI_SIGNED_IN,
    SH_XAPI_SIGNED_OUT,
    SH_XAPI_OPENED,    /* a resource */
    SH_XAPI_STARTED,   /* an assignment */
    SH_XAPI_SUBMITTED, /* an assignment */
    SH_XAPI_ANSWERED,  /* an item */
    SH_XAPI_ATTENDED,  /* a class session */
} sh_xapi_verb;

/* Activity types of the profile; each has its path under the deployment's
 * /xapi/activities/ (platform, resource/{uid}, assignment/{uid}, …). */
typedef enum {
    SH_XAPI_PLATFORM,
    SH_XAPI_RESOURCE,
    SH_XAPI_ASSIGNMENT,
    SH_XAPI_ITEM,
    SH_XAPI_CLASS_SESSION,
} sh_xapi_type;

typedef struct sh_xapi_event {
    sh_xapi_verb verb;
    sh_xapi_type type;
    const char *object;       /* the object's opaque uid; NULL for the platform itself */
    const char *name;         /* its Chinese display name (never a person's name); optional */
    const char *registration; /* UUID tying an attempt's statements together; optional */
    const json_t *result;     /* xAPI result object (score, success, response, duration); optional */
} sh_xapi_event;

/* Record ev as a statement whose actor is the signed-in person of req, named
 * by the person's opaque uid (account.homePage = this deployment), at the org
 * of the account. It goes through the statement validator and the LRS's group
 * commit without waiting for it: it never fails or slows the caller. When the
 * queue is full the statement is dropped with a logged warning and counted in
 * the metric shushu_xapi_records_dropped_total. Call it after the caller's own
 * change has committed. */
void sh_xapi_record(sh_req *req, const sh_xapi_event *ev);

#endif
