// What the agent's stream endpoint calls: the node agent implements it from its runtime (src/node), tests with a
// fake. Errors thrown as ApiError keep their code and reason on the wire (e.g. 404 for an unknown container).
import type { Duplex, Readable } from 'node:stream';
import type { StreamSet } from '../../runtime/types.js';

export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

export interface LogOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: Date;
  limitBytes?: number;
}

export interface StreamTarget {
  /** The container's log as text lines (already formatted: timestamps prefixed when asked). */
  logs(pod: PodRef, container: string, opts: LogOptions): Promise<Readable>;
  /** Runs argv in the container; resolves to its exit code. */
  exec(pod: PodRef, container: string, argv: string[], streams: StreamSet): Promise<number>;
  /** Connects to the container's main process streams; resolves when the session should end. */
  attach(pod: PodRef, container: string, streams: StreamSet): Promise<void>;
  /** Connects stream to port inside the pod's network; resolves when the connection is over. */
  portForward(pod: PodRef, port: number, stream: Duplex): Promise<void>;
}
