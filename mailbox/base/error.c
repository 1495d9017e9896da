/* Cadre: the error table's functions (see cadre/error.h). */
#include <cadre/error.h>

const char *
cadre_strerror(int err)
{
	switch (err) {
	case CADRE_OK:
		return "success";
#define CADRE__ERR_MSG(name, value, msg) \
	case CADRE_##name:               \
		return msg;
		CADRE_ERRNO_MAP(CADRE__ERR_MSG)
#undef CADRE__ERR_MSG
	default:
		return "unknown error";
	}
}

const char *
cadre_err_name(int err)
{
	switch (err) {
	case CADRE_OK:
		return "CADRE_OK";
#define CADRE__ERR_NAME(name, value, msg) \
	case CADRE_##name:                \
		return "CADRE_" #name;
		CADRE_ERRNO_MAP(CADRE__ERR_NAME)
#undef CADRE__ERR_NAME
	default:
		return "CADRE_UNKNOWN";
	}
}
