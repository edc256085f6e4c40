/** A one-line progress bar for a terminal's stderr; the CLI only creates it when stderr is a TTY. */
export function progressBar(stream: NodeJS.WriteStream, width = 30) {
  let last = 0;
  let shown = false;
  return {
    update: (phase: string, fraction: number) => {
      const now = Date.now();
      if (now - last < 100 && fraction < 1) return;
      last = now;
      shown = true;
      const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
      stream.write(`\r${phase.padEnd(10)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(fraction * 100)}%`);
    },
    done: () => {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
