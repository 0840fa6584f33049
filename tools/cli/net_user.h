/* The board's Ethernet on the host: option parsing (-nic, -netdev, --net) and the user-mode NAT
 * backend on libslirp (DHCP 10.0.2.15, DNS at 10.0.2.3, the host at 10.0.2.2, host forwards),
 * with an optional pcap capture of the guest's traffic. The device model sees a soc/netport.h. */
#ifndef TOOLS_CLI_NET_USER_H
#define TOOLS_CLI_NET_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "soc/netport.h"

#define CLI_NET_MAX_FWD 16

typedef struct cli_hostfwd {
    bool udp;
    uint32_t host_addr, guest_addr; /* network order; host 0 = 127.0.0.1, guest 0 = 10.0.2.15 */
    uint16_t host_port, guest_port;
    char text[128]; /* as given, for messages */
} cli_hostfwd;

typedef struct cli_net {
    bool none;       /* --net none, -nic none: no cable */
    bool restricted; /* restrict=on: the guest reaches only the host forwards and the emulator */
    cli_hostfwd fwd[CLI_NET_MAX_FWD];
    unsigned n_fwd;
    bool have_mac;
    uint8_t mac[6];
    const char *dump; /* --net-dump FILE.pcap */
} cli_net;

/* Parses "user[,opt=value...]" or "none" (what follows -nic/--net; -netdev's "user,id=..." the
 * same) into n. Returns 0, or -1 with the reason in err. */
int cli_net_parse(const char *spec, cli_net *n, char *err, size_t errlen);

/* Starts user-mode networking; NULL with a one-line reason (a forward's port in use, the pcap
 * file) in err. */
netport *net_user_start(const cli_net *n, char *err, size_t errlen);
/* Host I/O: called from the run loop's poll. */
void net_user_poll(void);
/* A backend is attached (the scheduler's live-input rule: idle time follows the wall clock). */
bool net_user_active(void);
void net_user_stop(void);

#endif
