/**
 * Secrets (cluster tokens, agent tokens) must never reach a log or an error message. Commands that carry
 * one say so (ExecOptions.secrets / ConnectOptions.secrets) and everything logged about them goes through
 * redact(). Very short values are ignored: replacing "1" everywhere would only garble logs.
 */
export const REDACTED = '***';
const MIN_SECRET_LENGTH = 4;

export type Redact = (text: string) => string;

export function redactor(...lists: (readonly string[] | undefined)[]): Redact {
  // Longest first, so a secret that contains another is replaced whole.
  const secrets = [...new Set(lists.flatMap((l) => l ?? []))].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return (t) => t;
  return (text) => {
    let out = text;
    for (const s of secrets) out = out.split(s).join(REDACTED);
    return out;
  };
}

/** argv as it may be logged: each argument redacted. */
export const redactArgv = (argv: readonly string[], redact: Redact): string[] => argv.map(redact);

/** The last `max` characters of command output, redacted, for error messages. */
export function tail(text: string, redact: Redact, max = 2000): string {
  const t = redact(text).trimEnd();
  return t.length > max ? `…${t.slice(t.length - max)}` : t;
}
