import { Io } from './options';
import { Result } from './report';

/*
 * Progress of a run on stderr, apart from the results on stdout: on a terminal, one bar redrawn in place (at most
 * ten times a second; cleared before each result line and drawn again under it, so that the two never mix); to a file or pipe (CI logs),
 * a plain line at the start, every `intervalMs`, and at the end.
 */

export interface ProgressOptions {
  /** What is counted, in the plural ("checks"). */
  readonly unit: string;
  /** Milliseconds between the plain lines when stderr is not a terminal (default 10 s). */
  readonly intervalMs?: number;
  /** The verb, at the start of each plain line. */
  readonly label: string;
}

export class Progress {
  private done = 0;
  private failed = 0;
  private unchecked = 0;
  private readonly started = Date.now();
  private lastDraw = 0;
  private drawn = false;
  private readonly timer?: NodeJS.Timeout;
  private readonly tty: boolean;

  constructor(private readonly io: Io, private readonly total: number, private readonly options: ProgressOptions) {
    this.tty = io.errIsTTY === true && io.errRaw !== undefined;
    if (this.tty) {
      this.draw();
    } else {
      io.err(`${options.label}: ${total} ${options.unit} to run`);
      this.timer = setInterval(() => this.line(), options.intervalMs ?? 10_000);
      this.timer.unref();
    }
  }

  /** Counts a result. */
  public add(result: Result) {
    this.done++;
    this.failed += result.status === 'fail' ? 1 : 0;
    this.unchecked += result.status === 'unchecked' ? 1 : 0;
    if (this.tty && (Date.now() - this.lastDraw >= 100 || this.done === this.total)) {
      this.draw();
    }
  }

  /** Writes with the bar out of the way (stdout and stderr are often the same terminal), then draws it again. */
  public around(write: () => void) {
    if (this.tty && this.drawn) {
      this.io.errRaw!('\r\x1b[K');
      this.drawn = false;
    }
    write();
    if (this.tty) {
      this.draw();
    }
  }

  /** The last line; the bar is cleared. */
  public finish() {
    if (this.timer) {
      clearInterval(this.timer);
    }
    if (this.tty) {
      if (this.drawn) {
        this.io.errRaw!('\r\x1b[K');
        this.drawn = false;
      }
    } else {
      this.line();
    }
  }

  private status(): string {
    const seconds = Math.round((Date.now() - this.started) / 1000);
    return `${this.done} of ${this.total} ${this.options.unit} done (${this.failed} failed, ${this.unchecked} unchecked), ${seconds} s`;
  }

  private line() {
    this.io.err(`${this.options.label}: ${this.status()}`);
  }

  private draw() {
    const width = 30;
    const filled = this.total === 0 ? width : Math.floor((this.done / this.total) * width);
    this.io.errRaw!(`\r\x1b[K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${this.status()}`);
    this.lastDraw = Date.now();
    this.drawn = true;
  }
}
