import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';
import { x as extractTar } from 'tar';

/** How to start a headless Chromium for the browser tests. */
export interface ChromiumLaunch {
  readonly executablePath: string;
  /** The browser's whole environment (the test process's, plus what the packaged build needs). */
  readonly env: Record<string, string | undefined>;
}

const PACKAGE = '@sparticuz/chromium';

/**
 * A headless Chromium from the npm package @sparticuz/chromium, which ships a Linux x64 build with
 * the libraries it needs beyond libc (NSS, Expat) and its fonts: no system package. The build is
 * unpacked once per package version under node_modules/.cache. CHROMIUM_PATH overrides it, and
 * is the way on other platforms.
 */
export async function chromiumForTests(): Promise<ChromiumLaunch> {
  const override = process.env.CHROMIUM_PATH;
  if (override) return { executablePath: override, env: { ...process.env } };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `${PACKAGE} ships Chromium for linux-x64 only and this is ${process.platform}-${process.arch}: set CHROMIUM_PATH to a Chromium or Chrome executable`,
    );
  }
  const dir = await unpacked();
  return {
    executablePath: join(dir, 'chromium'),
    env: {
      ...process.env,
      LD_LIBRARY_PATH: [join(dir, 'al2023', 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      FONTCONFIG_FILE: join(dir, 'fonts.conf'),
    },
  };
}

/** The unpacked build's folder: unpacked beside, then renamed into place, so a half-unpacked build is never used. */
async function unpacked(): Promise<string> {
  const packageDir = join(dirname(createRequire(__filename).resolve(PACKAGE)), '..');
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const dir = join(packageDir, '..', '..', '.cache', 'sparticuz-chromium', version);
  if (existsSync(join(dir, 'chromium'))) return dir;

  const staging = `${dir}.${process.pid}.partial`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(join(staging, 'al2023'), { recursive: true });
  const bin = join(packageDir, 'bin');
  await pipeline(createReadStream(join(bin, 'chromium.br')), createBrotliDecompress(), createWriteStream(join(staging, 'chromium')));
  await chmod(join(staging, 'chromium'), 0o755);
  // Chromium loads SwiftShader from its own folder; NSS and Expat come through LD_LIBRARY_PATH.
  await extractTar({ file: join(bin, 'swiftshader.tar.br'), cwd: staging, preserveOwner: false });
  await extractTar({ file: join(bin, 'al2023.tar.br'), cwd: join(staging, 'al2023'), preserveOwner: false });
  await extractTar({ file: join(bin, 'fonts.tar.br'), cwd: staging, preserveOwner: false });
  // The package's fonts.conf names Lambda's folders: name ours, and only these fonts, so text
  // renders the same on every machine.
  const xml = (path: string) => path.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  await writeFile(
    join(staging, 'fonts.conf'),
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${xml(join(dir, 'fonts'))}</dir>\n  <cachedir>${xml(join(dir, 'fontconfig-cache'))}</cachedir>\n</fontconfig>\n`,
  );
  try {
    await rename(staging, dir);
  } catch (error) {
    // Another run unpacked the same version meanwhile: use its copy.
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(join(dir, 'chromium'))) throw error;
  }
  return dir;
}
