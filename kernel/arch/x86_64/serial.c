/*
 * serial.c: the console, on the 16550 UART at COM1 (I/O port 0x3f8).
 *
 * Polled transmit: QEMU's UART is always ready, so the wait loop only runs
 * on slow real ports. Receive raises IRQ 4 once the console asks for it.
 */
#include "arch.h"
#include "x86.h"

#define COM1 0x3f8
#define UART_DATA 0
#define UART_IER 1
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define COM1_IRQ 4
#define IER_RECEIVED_DATA 0x01
#define UART_DLL 0
#define UART_DLM 1
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define LCR_DLAB 0x80
#define LCR_8N1 0x03

void x86_serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1); /* 115200 baud */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	/* The FIFOs stay as they are: enabling them clears them, and input the
	 * host typed before we booted may already wait in the receiver. */
	outb(COM1 + UART_MCR, 0x0b); /* DTR, RTS, OUT2 */
}

void arch_console_write(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		while (!(inb(COM1 + UART_LSR) & LSR_THR_EMPTY))
			cpu_relax();
		outb(COM1 + UART_DATA, (uint8_t)buf[i]);
	}
}

bool arch_console_enable_input_interrupt(void (*handler)(void *ctx), void *ctx)
{
	if (!arch_irq_attach(COM1_IRQ, IRQ_ISA, handler, ctx))
		return false;
	outb(COM1 + UART_IER, IER_RECEIVED_DATA);
	return true;
}

int arch_console_read_byte(void)
{
	if (!(inb(COM1 + UART_LSR) & LSR_DATA_READY))
		return -1;
	return inb(COM1 + UART_DATA);
}
