import { EventEmitter } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import {
  type Ack,
  type AgentToCoordinatorEvents,
  type CoordinatorToAgentEvents,
  ErrorCodes,
  type Hello,
  helloSchema,
  type IntervalReport,
  intervalReportSchema,
  type PhaseDone,
  phaseDoneSchema,
  PROTOCOL_VERSION,
  agentFaultSchema,
  type AgentFault,
  type HostSample,
  hostSampleSchema,
} from '@etcdlab/common';
import type { Logger } from 'pino';
import { Server, type Socket } from 'socket.io';

export type AgentSocket = Socket<AgentToCoordinatorEvents, CoordinatorToAgentEvents, Record<string, never>, { hello: Hello }>;

export interface ConnectedAgent {
  hello: Hello;
  socket: AgentSocket;
  connectedAt: number;
}

/** Where validated reports go; the run engine installs one per run. */
export interface ReportHandler {
  interval(report: IntervalReport): Ack;
  done(msg: PhaseDone): Ack;
  fault(msg: AgentFault): void;
}

interface ServerEvents {
  connected: [ConnectedAgent];
  disconnected: [ConnectedAgent, string];
  refused: [{ code: string; message: string; address: string }];
  hostSample: [HostSample];
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function refusal(code: string, message: string): Error {
  return Object.assign(new Error(message), { data: { code, message } });
}

/**
 * The coordinator's socket.io endpoint. Agents present their hello (protocol version, token, id, host,
 * role, instance) in the handshake; a wrong version or token, or an id already connected from another
 * host, is refused before the connection exists, with a coded reason the agent prints. Every inbound payload is validated before it reaches the run engine.
 */
/** Reports held while no phase listens (about a minute of 100 agents' reports). */
const MAX_HELD_REPORTS = 10_000;

const reply = (ack: unknown, a: Ack): void => {
  if (typeof ack === 'function') (ack as (a: Ack) => void)(a);
};

export class AgentServer extends EventEmitter<ServerEvents> {
  private readonly http: HttpServer;
  private readonly io: Server<AgentToCoordinatorEvents, CoordinatorToAgentEvents, Record<string, never>, { hello: Hello }>;
  private readonly agents = new Map<string, ConnectedAgent>();
  private handler: ReportHandler | undefined;
  /** Reports that came while no phase listened (a resumed run taking over): answered once one does. */
  private readonly held: { deliver(h: ReportHandler): Ack; ack: unknown }[] = [];

  constructor(
    private readonly token: string,
    private readonly logger: Logger,
  ) {
    super();
    this.http = createServer();
    // 16 MiB: a full interval report of a busy agent is far below it; the 1 MB default drops connections silently.
    this.io = new Server(this.http, { maxHttpBufferSize: 16 * 1024 * 1024, transports: ['websocket'], pingInterval: 5000, pingTimeout: 10_000 });
    this.io.use((socket, next) => {
      const parsed = helloSchema.safeParse(socket.handshake.auth);
      const address = socket.handshake.address;
      let err: Error | undefined;
      if (!parsed.success) err = refusal(ErrorCodes.payloadInvalid, `invalid hello: ${parsed.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ')}`);
      else if (parsed.data.protocolVersion !== PROTOCOL_VERSION)
        err = refusal(ErrorCodes.protocolVersion, `protocol version ${parsed.data.protocolVersion} is not supported; this coordinator speaks ${PROTOCOL_VERSION}: install the same etcdlab version on agent and coordinator`);
      else if (!sameToken(parsed.data.token, this.token)) err = refusal(ErrorCodes.authToken, 'wrong token: the agent must use the token of this run (ETCDLAB_TOKEN)');
      else if (this.agents.has(parsed.data.agentId) && this.agents.get(parsed.data.agentId)?.hello.host !== parsed.data.host)
        err = refusal(ErrorCodes.payloadInvalid, `agent id ${parsed.data.agentId} is already connected from host ${this.agents.get(parsed.data.agentId)?.hello.host}: give each agent its own id`);
      if (err) {
        const data = (err as Error & { data: { code: string; message: string } }).data;
        this.logger.warn({ address, ...data }, 'agent refused');
        this.emit('refused', { ...data, address });
        return next(err);
      }
      socket.data.hello = (parsed as { data: Hello }).data;
      next();
    });
    this.io.on('connection', (socket) => this.accept(socket));
  }

  private accept(socket: AgentSocket): void {
    const hello = socket.data.hello;
    const agent: ConnectedAgent = { hello, socket, connectedAt: Date.now() };
    // The same id from the same host: a restarted agent, or a reconnect before the old connection timed
    // out. The newcomer wins; the old connection's disconnect is then not the agent's (get() has the new one).
    const previous = this.agents.get(hello.agentId);
    this.agents.set(hello.agentId, agent);
    if (previous) {
      this.logger.warn({ agentId: hello.agentId, instance: hello.instance, previous: previous.hello.instance }, 'agent connected again; its earlier connection is closed');
      previous.socket.disconnect(true);
    }
    const { token: _secret, ...visible } = hello;
    this.logger.info({ agent: visible }, 'agent connected');
    this.emit('connected', agent);
    socket.on('disconnect', (reason) => {
      if (this.agents.get(hello.agentId)?.socket === socket) this.agents.delete(hello.agentId);
      this.logger.warn({ agentId: hello.agentId, reason }, 'agent disconnected');
      this.emit('disconnected', agent, reason);
    });
    socket.on('interval', (msg, ack) => {
      const parsed = intervalReportSchema.safeParse(msg);
      if (!parsed.success) return reply(ack, this.invalid('interval', hello.agentId, parsed.error.message));
      if (parsed.data.agentId !== hello.agentId) return reply(ack, this.invalid('interval', hello.agentId, 'agentId does not match the handshake'));
      this.deliver((h) => h.interval(parsed.data), ack);
    });
    socket.on('phase:done', (msg, ack) => {
      const parsed = phaseDoneSchema.safeParse(msg);
      if (!parsed.success) return reply(ack, this.invalid('phase:done', hello.agentId, parsed.error.message));
      if (parsed.data.agentId !== hello.agentId) return reply(ack, this.invalid('phase:done', hello.agentId, 'agentId does not match the handshake'));
      this.deliver((h) => h.done(parsed.data), ack);
    });
    socket.on('host:sample', (msg) => {
      const parsed = hostSampleSchema.safeParse(msg);
      if (parsed.success && parsed.data.agentId === hello.agentId) this.emit('hostSample', parsed.data);
      else this.logger.warn({ agentId: hello.agentId }, 'invalid host sample ignored');
    });
    socket.on('agent:fault', (msg) => {
      const parsed = agentFaultSchema.safeParse(msg);
      if (parsed.success) this.handler?.fault(parsed.data);
    });
  }

  private invalid(event: string, agentId: string, message: string): Ack {
    this.logger.error({ agentId, event, message }, 'invalid payload from agent');
    return { ok: false, code: ErrorCodes.payloadInvalid, message };
  }

  /**
   * To the phase listening now; else held, unanswered, until one listens: an acknowledgement is the
   * agent's leave to delete the report from its spool. Beyond the bound a report is not answered at all
   * (the agent sends it again later).
   */
  private deliver(fn: (h: ReportHandler) => Ack, ack: unknown): void {
    if (this.handler) return reply(ack, fn(this.handler));
    if (this.held.length < MAX_HELD_REPORTS) this.held.push({ deliver: fn, ack });
  }

  setHandler(handler: ReportHandler | undefined): void {
    this.handler = handler;
    if (handler) for (const h of this.held.splice(0)) reply(h.ack, h.deliver(handler));
  }

  connected(): ConnectedAgent[] {
    return [...this.agents.values()];
  }

  get(agentId: string): ConnectedAgent | undefined {
    return this.agents.get(agentId);
  }

  async listen(host: string, port: number): Promise<{ host: string; port: number; url: string }> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => resolve());
    });
    const addr = this.http.address() as AddressInfo;
    return { host: addr.address, port: addr.port, url: `http://${addr.address}:${addr.port}` };
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
  }
}
