// Tells onExit listeners of each container's exit exactly once, for both runtimes: containers this agent started
// are reported when their shim exits; those found running after an agent restart are adopted and polled.
import type { Logger } from '../../util/logger.js';
import type { ContainerInfo } from '../types.js';

export class ExitReporter {
  private readonly listeners: ((info: ContainerInfo) => void)[] = [];
  /** Containers running that we did not spawn (adopted after a restart): polled for exit. */
  private readonly adopted = new Set<string>();
  private readonly reported = new Set<string>();
  private poller?: NodeJS.Timeout;

  constructor(
    private readonly status: (id: string) => Promise<ContainerInfo | undefined>,
    private readonly log: Logger,
    private readonly pollMs = 500,
  ) {}

  onExit(listener: (info: ContainerInfo) => void): void {
    this.listeners.push(listener);
  }

  /** Watches a container we did not spawn (found after a restart) for its exit. */
  adopt(id: string): void {
    this.adopted.add(id);
    if (this.poller) return;
    this.poller = setInterval(() => void this.pollAdopted(), this.pollMs);
    this.poller.unref();
  }

  /** Tells the listeners, once, if the container has exited. */
  async report(id: string): Promise<void> {
    if (this.reported.has(id)) return;
    const info = await this.status(id);
    if (!info || info.status.state !== 'exited') return;
    this.reported.add(id);
    for (const l of this.listeners) {
      try {
        l(info);
      } catch (e) {
        this.log.error('exit listener failed', { err: e });
      }
    }
  }

  /** The container is removed: nothing more to watch or remember. */
  forget(id: string): void {
    this.adopted.delete(id);
    this.reported.delete(id);
  }

  private async pollAdopted(): Promise<void> {
    for (const id of [...this.adopted]) {
      const info = await this.status(id);
      if (!info || info.status.state === 'exited') {
        this.adopted.delete(id);
        if (info) await this.report(id);
      }
    }
    if (!this.adopted.size && this.poller) {
      clearInterval(this.poller);
      this.poller = undefined;
    }
  }
}
