/*
 * ethernet.c: Ethernet framing: the way in for every received frame, and
 * the way out for every sent one.
 */
#include "inet/inet.h"

#include <string.h>

struct inet_stats inet_stats;
struct inet_interface inet_if;

bool ethernet_send(uint8_t *frame, const uint8_t dst_mac[6], uint16_t type, size_t payload_len)
{
	memcpy(frame, dst_mac, 6);
	memcpy(frame + 6, inet_if.dev->mac, 6);
	put16(frame + 12, type);
	inet_stats.tx_frames++;
	return inet_if.dev->transmit(inet_if.dev, frame, ETH_HEADER + payload_len);
}

void ethernet_input(struct netdev *dev, const void *data, size_t len)
{
	const uint8_t *frame = data;
	static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	inet_lock();
	inet_stats.rx_frames++;
	if (len < ETH_HEADER) {
		inet_stats.drop_malformed++;
	} else if (memcmp(frame, dev->mac, 6) && memcmp(frame, broadcast, 6)) {
		inet_stats.drop_not_ours++;
	} else if (get16(frame + 12) == ETH_TYPE_ARP) {
		arp_input(frame + ETH_HEADER, len - ETH_HEADER);
	} else if (get16(frame + 12) == ETH_TYPE_IPV4) {
		ipv4_input(frame + ETH_HEADER, len - ETH_HEADER);
	} else {
		inet_stats.drop_protocol++;
	}
	inet_unlock();
}
