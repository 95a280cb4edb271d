/* SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>

#include <tern/error.h>

static const char *const tern_error_strings[TERN_ERROR_COUNT] = {
	[TERN_OK] = "success",
	[TERN_EINVAL] = "invalid argument",
	[TERN_ENOMEM] = "out of memory",
	[TERN_ENOTSUP] = "not supported",
	[TERN_EBADMSG] = "authentication failed",
	[TERN_EAGAIN] = "more input needed",
	[TERN_ENOBUFS] = "buffer too small",
	[TERN_ERANGE] = "length out of range",
	[TERN_ELIMIT] = "counter exhausted",
	[TERN_EPROTO] = "protocol violation",
	[TERN_ESELFTEST] = "known-answer self-test failed",
	[TERN_EINTERNAL] = "internal library error",
};

const char *
tern_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= TERN_ERROR_COUNT || tern_error_strings[err] == NULL)
		return "unknown error";
	return tern_error_strings[err];
}
