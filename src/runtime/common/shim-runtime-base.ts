// What both shim-based runtimes (process, oci) do alike with their containers' records: status, list (adopting
// containers found running after an agent restart), exit listeners, attach, and the exec sessions stop() ends.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Logger } from '../../util/logger.js';
import type { ContainerInfo, ContainerState, StreamSet } from '../types.js';
import { attachToLog } from './attach-log.js';
import { containerInfo, readRecords, type ShimContainerRecord } from './container-records.js';
import { ExecSessions } from './exec-child.js';
import { ExitReporter } from './exit-reporter.js';
import { readJson } from './json-file.js';

export abstract class ShimRuntimeBase<R extends ShimContainerRecord> {
  /** Shims we spawned: their exit event tells us when the container is gone. */
  protected readonly children = new Map<string, ChildProcess>();
  protected readonly exits: ExitReporter;
  /** exec processes per container, ended with it. */
  protected readonly execs = new ExecSessions();

  constructor(
    protected readonly log: Logger,
    /** One directory per container below it, each holding state.json. */
    private readonly containersDir: string,
    pollMs?: number,
  ) {
    this.exits = new ExitReporter((id) => this.status(id), log, pollMs);
  }

  /** The container's state from its record, the shim's exit file and whatever else the runtime knows. */
  protected abstract stateOf(rec: R): Promise<ContainerState>;

  protected cdir(id: string): string {
    return join(this.containersDir, id);
  }

  protected record(id: string): Promise<R | undefined> {
    return readJson<R>(join(this.cdir(id), 'state.json'));
  }

  protected records(): Promise<R[]> {
    return readRecords<R>(this.containersDir);
  }

  protected async info(rec: R): Promise<ContainerInfo> {
    return containerInfo(rec, await this.stateOf(rec));
  }

  async status(containerId: string): Promise<ContainerInfo | undefined> {
    const rec = await this.record(containerId);
    return rec ? this.info(rec) : undefined;
  }

  async list(): Promise<ContainerInfo[]> {
    const out: ContainerInfo[] = [];
    for (const rec of await this.records()) {
      const info = await this.info(rec);
      out.push(info);
      if (info.status.state === 'running' && !this.children.has(rec.id)) this.exits.adopt(rec.id);
    }
    return out;
  }

  onExit(listener: (info: ContainerInfo) => void): void {
    this.exits.onExit(listener);
  }

  /** Follows the container's output from now on; stdin goes to its FIFO when it was started with stdin. */
  async attach(containerId: string, streams: StreamSet): Promise<void> {
    const rec = await this.record(containerId);
    if (!rec) throw new Error(`container ${containerId} not found`);
    await attachToLog({
      logPath: rec.logPath,
      stdin: rec.stdinFifo ? { fifo: rec.stdinFifo, once: rec.stdinOnce === true } : undefined,
      streams,
      exited: async () => (await this.stateOf(rec)).state === 'exited',
      ttyPid: this.attachTtyPid(rec),
    });
  }

  /** The pid of the `script` whose pty an attach session's resizes go to; none by default. */
  protected attachTtyPid(_rec: R): number | undefined {
    return undefined;
  }
}
