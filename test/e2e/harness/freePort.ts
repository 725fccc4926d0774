/**
 * A TCP port nothing listens on, for the task broker every n8n process opens (5679 by
 * default): two n8n processes with the same broker port make the second one fail at start-up.
 * The OS picks the port; ports already handed out by this process are never handed out again,
 * since the OS may offer a just-closed port twice before n8n binds it.
 */
import net from 'node:net';

const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
	for (let attempt = 0; attempt < 20; attempt++) {
		const port = await new Promise<number>((resolve, reject) => {
			const server = net.createServer();
			server.once('error', reject);
			server.listen(0, '127.0.0.1', () => {
				const address = server.address();
				server.close(() =>
					typeof address === 'object' && address
						? resolve(address.port)
						: reject(new Error('no port')),
				);
			});
		});
		if (!handedOut.has(port)) {
			handedOut.add(port);
			return port;
		}
	}
	throw new Error('no free TCP port found');
}
