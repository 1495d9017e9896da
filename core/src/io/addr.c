/* Cadre: socket addresses as strings (cadre/io.h): "1.2.3.4:80",
 * "[::1]:80", "host:80", "unix:/path", "unixgram:/path". Parsing never
 * resolves a name: it says a name needs resolving (connect does that on
 * the blocking pool); elsewhere "localhost" (127.0.0.1) and "*" (any) are
 * the names it knows. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "cadre__io.h"

static int
parse_port(const char *p, uint16_t *out)
{
	if (*p == '\0' || strlen(p) > 5)
		return CADRE_EADDR;
	unsigned long v = 0;
	for (const char *c = p; *c != '\0'; c++) {
		if (*c < '0' || *c > '9')
			return CADRE_EADDR;
		v = v * 10 + (unsigned long)(*c - '0');
	}
	if (v > 65535)
		return CADRE_EADDR;
	*out = (uint16_t)v;
	return 0;
}

static int
parse_unix(const char *path, bool dgram, struct cadre__addr *out)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&out->ss;
	size_t n = strlen(path);
	un->sun_family = AF_UNIX;
	if (n == 0) {
		if (!dgram)
			return CADRE_EADDR;
		out->len = sizeof(sa_family_t); /* unnamed: autobind (Linux) */
		return 0;
	}
	if (n >= sizeof un->sun_path)
		return CADRE_EADDR;
	memcpy(un->sun_path, path, n + 1);
	out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	if (path[0] == '@') { /* Linux's abstract namespace: no file, no unlink */
		un->sun_path[0] = '\0';
		out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
		return 0;
	}
	out->named = true;
	return 0;
}

/* An IP host (numeric, "localhost", "*" or "") and port; or, with names, a
 * name to resolve (out->resolve). */
static int
parse_ip(const char *host, size_t hlen, const char *port, bool v6, bool names,
         struct cadre__addr *out)
{
	uint16_t pn;
	if (hlen >= sizeof out->host || parse_port(port, &pn) != 0)
		return CADRE_EADDR;
	memcpy(out->host, host, hlen);
	out->host[hlen] = '\0';
	memcpy(out->port, port, strlen(port) + 1);
	struct sockaddr_in *in = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->ss;
	if (v6) {
		if (inet_pton(AF_INET6, out->host, &in6->sin6_addr) != 1)
			return CADRE_EADDR;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(pn);
		out->len = sizeof *in6;
		return 0;
	}
	in->sin_family = AF_INET;
	in->sin_port = htons(pn);
	out->len = sizeof *in;
	if (hlen == 0 || strcmp(out->host, "*") == 0)
		in->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (strcmp(out->host, "localhost") == 0 && !names)
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* (connect resolves it) */
	else if (inet_pton(AF_INET, out->host, &in->sin_addr) != 1) {
		if (!names)
			return CADRE_EADDR;
		out->resolve = true; /* (a malformed name fails when resolved) */
	}
	return 0;
}

int
cadre__addr_parse(const char *s, bool dgram, bool names, struct cadre__addr *out)
{
	memset(out, 0, sizeof *out);
	if (strncmp(s, "unix:", 5) == 0)
		return dgram ? CADRE_EADDR : parse_unix(s + 5, false, out);
	if (strncmp(s, "unixgram:", 9) == 0)
		return dgram ? parse_unix(s + 9, true, out) : CADRE_EADDR;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (end == NULL || end[1] != ':')
			return CADRE_EADDR;
		return parse_ip(s + 1, (size_t)(end - s - 1), end + 2, true, false, out);
	}
	const char *colon = strrchr(s, ':');
	if (colon == NULL || memchr(s, ':', (size_t)(colon - s)) != NULL)
		return CADRE_EADDR; /* no port, or an IPv6 address without brackets */
	return parse_ip(s, (size_t)(colon - s), colon + 1, false, names, out);
}

void
cadre__addr_format(const struct sockaddr_storage *ss, socklen_t len, bool dgram, char *buf,
                   size_t size)
{
	const char *unix = dgram ? "unixgram" : "unix";
	char host[INET6_ADDRSTRLEN];
	buf[0] = '\0';
	if (ss->ss_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
		snprintf(buf, size, "%s:%u", host, (unsigned)ntohs(in->sin_port));
	} else if (ss->ss_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
		snprintf(buf, size, "[%s]:%u", host, (unsigned)ntohs(in6->sin6_port));
	} else if (ss->ss_family == AF_UNIX) {
		const struct sockaddr_un *un = (const struct sockaddr_un *)ss;
		size_t off = offsetof(struct sockaddr_un, sun_path);
		size_t n = len > off ? (size_t)len - off : 0;
		if (n > 0 && un->sun_path[0] == '\0') /* abstract (autobind): "...:@..." */
			snprintf(buf, size, "%s:@%.*s", unix, (int)(n - 1), un->sun_path + 1);
		else
			snprintf(buf, size, "%s:%.*s", unix, (int)strnlen(un->sun_path, n),
			         un->sun_path);
	}
}
