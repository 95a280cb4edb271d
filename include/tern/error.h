/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_ERROR_H
#define TERN_ERROR_H

/**
 * @file
 * The one error-code enum of tern.
 *
 * Functions return 0 (or a count) on success and a negative value
 * `-TERN_E...` on failure. Protocol layers additionally report the TLS alert
 * or QUIC transport error code that the failure maps to.
 */

#ifdef __cplusplus
extern "C" {
#endif

enum tern_error {
	TERN_OK = 0,
	TERN_EINVAL,	 /**< invalid argument or parameter */
	TERN_ENOMEM,	 /**< allocation failed */
	TERN_ENOTSUP,	 /**< algorithm, backend or feature not available */
	TERN_EBADMSG,	 /**< AEAD authentication failed */
	TERN_EAGAIN,	 /**< more input is needed */
	TERN_ENOBUFS,	 /**< caller buffer too small */
	TERN_ERANGE,	 /**< length out of the allowed range */
	TERN_ELIMIT,	 /**< a counter is exhausted (e.g. record sequence number) */
	TERN_EPROTO,	 /**< protocol violation; see the alert / transport error */
	TERN_ESELFTEST,	 /**< a known-answer self-test failed */
	TERN_EINTERNAL,	 /**< a library call failed unexpectedly */
	TERN_ERROR_COUNT /**< number of codes; not an error */
};

/**
 * Describe an error code.
 *
 * @param err
 *   A code from enum tern_error, positive or negated.
 * @return
 *   A static string; never NULL.
 */
const char *tern_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* TERN_ERROR_H */
