/**
 * Writing a file so that a reader, or a writer killed mid-way, never sees half of it: the text
 * goes to a temporary file in the same folder (same file system), is flushed to disk, and is
 * renamed over the target (rename is atomic on POSIX file systems).
 *
 * Ours rather than a library's: write-file-atomic needs Node 22.22 and does not bundle (a dynamic
 * require), and `atomically` hooks SIGINT/SIGTERM on import and re-sends the signal to the
 * process, which breaks the CLI's own Ctrl-C handling — a library must not change how its host
 * process reacts to signals.
 */
import { nodeCrypto, nodeFsPromises, nodePath } from './builtins.ts';

/**
 * Writes `text` (a string, as UTF-8, or bytes as they are) to `path` atomically. The temporary
 * file (`.<name>.<random>.tmp`) is removed when the write fails.
 * @throws the file system's error (ENOENT for a missing folder…).
 */
export async function writeFileAtomic(path: string, text: string | Uint8Array): Promise<void> {
  const temp = nodePath().join(nodePath().dirname(path), `.${nodePath().basename(path)}.${nodeCrypto().randomBytes(6).toString('hex')}.tmp`);
  try {
    const file = await nodeFsPromises().open(temp, 'wx');
    try {
      await (typeof text === 'string' ? file.writeFile(text, 'utf8') : file.writeFile(text));
      await file.sync();
    } finally {
      await file.close();
    }
    await nodeFsPromises().rename(temp, path);
  } catch (err) {
    await nodeFsPromises().rm(temp, { force: true });
    throw err;
  }
}
