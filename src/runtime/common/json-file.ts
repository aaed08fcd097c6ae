// The runtimes' records on disk: JSON read back as undefined when missing or torn, written atomically.
import { readFile, rename, writeFile } from 'node:fs/promises';

export async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Through a temporary file and a rename, so a reader never sees half a record. */
export async function writeJson(file: string, v: unknown): Promise<void> {
  await writeFile(`${file}.tmp`, JSON.stringify(v));
  await rename(`${file}.tmp`, file);
}
