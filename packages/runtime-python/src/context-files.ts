/**
 * Contexts as files a REPL reads, instead of JSON text inside its `init` message: the host writes
 * each distinct context once (content-addressed, so every child given the same context, or the
 * same slice, shares one file), and the prelude reads the file's bytes and decodes them as UTF-8.
 * No JSON encoding on the host, no JSON parsing in the REPL, and nothing held in the host's pipe
 * buffers while a child starts (docs/big-contexts.md; bench/big-context.bench.ts measures it).
 *
 * A str context is one file of its UTF-8 bytes; a list context is one file of its documents'
 * bytes one after another, with each document's byte length in the `init` message. A context
 * holding a lone surrogate (which UTF-8 cannot carry) is sent inline as before.
 *
 * Used by the subprocess runtime (the REPLs share the host's file system) and the docker runtime
 * (the folder is bind-mounted read-only into the container). Jupyter and Pyodide send contexts
 * inline: their kernels may run where the host's files are not.
 */
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { blobByteLength, blobChunks, blobEncoding, sha256, type Context, type ContextFile, type ContextPart } from '@rlmtree/core';
import { nodeCrypto } from './builtins.ts';

/** What a REPL is given of its context: inline (`context`) or as a file (`contextFile`); core's type, re-exported for runtimes built on this one. */
export type { ContextPart };

/** Contexts smaller than this (UTF-16 code units) stay inline: a file would cost more than it saves. */
export const CONTEXT_FILE_MIN_CHARS = 64 * 1024;

/** Options of `ContextFiles`. */
export interface ContextFilesOptions {
  /** Folder to write into (default: a fresh `rlmtree-ctx-*` folder in the OS temp folder, removed at `close`). */
  dir?: string;
  /** The folder as the REPL sees it (inside a container: where it is mounted); default `dir`. */
  visibleAs?: string;
  /** Contexts shorter than this many chars stay inline (default `CONTEXT_FILE_MIN_CHARS`). */
  minChars?: number;
}

/** The context files of one runtime. */
export class ContextFiles {
  private folder: string | undefined;
  /** The temp folder holding `folder`, when this object made it (removed at `close`). */
  private parent: string | undefined;
  private readonly visibleAs: string | undefined;
  private readonly minChars: number;
  private readonly ownsDir: boolean;
  /** Files written, by the content address of their context. */
  private readonly written = new Map<string, ContextFile>();
  /** A list context's file by the list itself (states share one frozen list between nodes). */
  private readonly lists = new WeakMap<readonly string[], ContextFile>();
  private closed = false;

  /**
   * @param options `dir` given: that folder (kept at `close`); else a temp folder made at the first
   *   write, or by `dir` (a container mounts it before any context is written).
   */
  constructor(options: ContextFilesOptions = {}) {
    this.ownsDir = options.dir === undefined;
    this.folder = options.dir;
    this.visibleAs = options.visibleAs;
    this.minChars = options.minChars ?? CONTEXT_FILE_MIN_CHARS;
  }

  /** The folder on the host (made now when it does not exist yet). */
  get dir(): string {
    if (this.folder === undefined) {
      // `<private temp folder, 0700>/ctx`: no other host user reaches the files; `ctx` itself and
      // the files are world-readable so a container's non-root user reads them through its mount.
      this.parent = mkdtempSync(join(tmpdir(), 'rlmtree-ctx-'));
      this.folder = join(this.parent, 'ctx');
      mkdirSync(this.folder, { mode: 0o755 });
      chmodSync(this.folder, 0o755);
    }
    return this.folder;
  }

  /**
   * The `init` message's context part for `context`: a file (written now unless a file of the
   * same context exists) or, for a small context or one holding a lone surrogate, the context inline.
   * @throws the file system's error when the file cannot be written (the caller may send it inline).
   */
  part(context: Context): ContextPart {
    if (this.closed) return { context };
    if (typeof context === 'string') {
      if (context.length < this.minChars || blobEncoding(context) !== 'utf8') return { context };
      const key = sha256(context);
      return { contextFile: this.written.get(key) ?? this.write(key, [context], false) };
    }
    const known = this.lists.get(context);
    if (known) return { contextFile: known };
    let chars = 0;
    for (const d of context) chars += d.length;
    if (chars < this.minChars || context.some((d) => blobEncoding(d) !== 'utf8')) return { context };
    const key = sha256(`list:${context.map((d) => sha256(d)).join(',')}`);
    const file = this.written.get(key) ?? this.write(key, context, true);
    this.lists.set(context, file);
    return { contextFile: file };
  }

  /** Writes the documents' bytes to `<key>.ctx` (a temp file renamed into place: never seen half written). */
  private write(key: string, docs: readonly string[], list: boolean): ContextFile {
    const name = `${key}.ctx`;
    const tmp = join(this.dir, `.${name}.${process.pid}.tmp`);
    const lengths: number[] = [];
    // The prelude's fingerprint of a str (`_fingerprint`: sha256 of its type name, NUL, its UTF-8).
    const fingerprint = list ? undefined : nodeCrypto().createHash('sha256').update('str\0', 'utf8');
    const fd = openSync(tmp, 'w', 0o644);
    try {
      for (const d of docs) {
        // A chunk at a time (no copy of the whole context is made), hashed for the fingerprint on the way.
        blobChunks(d, 'utf8', (bytes) => {
          fingerprint?.update(bytes);
          let off = 0;
          while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
        });
        lengths.push(blobByteLength(d, 'utf8'));
      }
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, name));
    const file: ContextFile = {
      path: posix.join(this.visibleAs ?? this.dir, name),
      bytes: lengths.reduce((a, b) => a + b, 0),
      sha256: key,
      ...(list ? { documents: lengths } : {}),
      ...(fingerprint ? { fingerprint: fingerprint.digest('hex') } : {}),
    };
    this.written.set(key, file);
    return file;
  }

  /** Removes the folder (when this object made it). REPLs still reading keep their open files. Never throws. */
  close(): void {
    this.closed = true;
    if (this.ownsDir && this.parent !== undefined) rmSync(this.parent, { recursive: true, force: true });
  }
}
