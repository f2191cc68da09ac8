// Prints free loopback ports, one per argument: "tcp", "udp", or "udp2" (a UDP port p with p+2 also free, for
// sipp's -mp, which binds the media port and the port two above it). The sockets are held until all are found,
// so the ports differ; they are released before this exits (the usual small window before the caller binds).
import dgram from 'node:dgram';
import net from 'node:net';

const held = [];
const bindUdp = (port) => new Promise((resolve) => {
  const s = dgram.createSocket('udp4');
  s.once('error', () => { s.close(); resolve(null); });
  s.bind(port, '127.0.0.1', () => { held.push(s); resolve(s.address().port); });
});
const bindTcp = () => new Promise((resolve, reject) => {
  const s = net.createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => { held.push(s); resolve(s.address().port); });
});

const ports = [];
for (const kind of process.argv.slice(2)) {
  if (kind === 'tcp') {
    ports.push(await bindTcp());
  } else if (kind === 'udp') {
    ports.push(await bindUdp(0));
  } else if (kind === 'udp2') {
    let found = null;
    for (let i = 0; i < 50 && found === null; i++) {
      const p = await bindUdp(0);
      if (p !== null && p + 2 <= 65535 && (await bindUdp(p + 2)) !== null) {
        found = p;
      }
    }
    if (found === null) {
      process.stderr.write('free-ports: no UDP port p with p+2 free in 50 tries\n');
      process.exit(1);
    }
    ports.push(found);
  } else {
    process.stderr.write(`free-ports: unknown kind ${kind} (tcp, udp, udp2)\n`);
    process.exit(2);
  }
}
for (const s of held) {
  s.close();
}
process.stdout.write(`${ports.join(' ')}\n`);
