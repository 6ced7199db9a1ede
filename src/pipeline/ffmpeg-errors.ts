/**
 * Turns an ffmpeg failure (its stderr tail) into a WsolError that says what was wrong and what to do.
 * The stderr tail always goes into `detail`.
 */
import { WsolError } from '../errors.js';
import { isShowinfoLine } from './ffmpeg-log.js';
import type { InputSpec } from './input-spec.js';

export type FailurePhase = 'open' | 'decode' | 'timeout';

interface Diagnosis {
  message: string;
  hint: string;
}

function describeTarget(input: InputSpec): string {
  return input.spec === input.target || input.kind !== 'file' ? input.spec : `${input.spec} (${input.target})`;
}

const RULES: { pattern: RegExp; diagnose: (what: string, input: InputSpec) => Diagnosis }[] = [
  {
    pattern: /Connection refused/i,
    diagnose: (what) => ({
      message: `Cannot connect to ${what}: connection refused.`,
      hint: 'Check the host and port, and that the camera or streaming server is running.',
    }),
  },
  {
    pattern: /timed out|Connection timed out|Operation timed out/i,
    diagnose: (what) => ({
      message: `Opening ${what} timed out.`,
      hint: 'Check that the host is reachable from this machine (firewall, VPN) or raise connectTimeoutMs.',
    }),
  },
  {
    pattern: /Name or service not known|Temporary failure in name resolution|Failed to resolve hostname|No address associated/i,
    diagnose: (what) => ({ message: `Cannot resolve the host name of ${what}.`, hint: 'Check the spelling of the host name and your DNS.' }),
  },
  {
    pattern: /Server returned 401|401 Unauthorized|Server returned 403|403 Forbidden/i,
    diagnose: (what) => ({
      message: `${what} refused access (authentication required or forbidden).`,
      hint: 'Put the credentials in the URL (rtsp://user:password@host/...) or check the account rights.',
    }),
  },
  {
    pattern: /Server returned 404|404 Not Found|method DESCRIBE failed: 404/i,
    diagnose: (what) => ({ message: `${what} was not found on the server (404).`, hint: 'Check the path part of the URL.' }),
  },
  {
    pattern: /Server returned (5\d\d|4\d\d)[^\n]*/i,
    diagnose: (what) => ({ message: `The server of ${what} answered with an HTTP error.`, hint: 'Check the URL and the server logs.' }),
  },
  {
    pattern: /Protocol not found|Protocol '[^']*' not on whitelist/i,
    diagnose: (what) => ({
      message: `This ffmpeg cannot open ${what}: the protocol is not supported by this build.`,
      hint: 'Use an ffmpeg built with that protocol (set FFMPEG_PATH or ffmpeg.path), or another URL scheme.',
    }),
  },
  {
    pattern: /Unknown input format: 'v4l2'|Inappropriate ioctl|Not a video capture device|Cannot open video device|VIDIOC_/i,
    diagnose: (what) => ({
      message: `Unsupported device ${what}: ffmpeg cannot capture video from it.`,
      hint: 'Use a V4L2 camera device (/dev/video0; list them with `v4l2-ctl --list-devices`), and check no other program holds it.',
    }),
  },
  {
    pattern: /Permission denied/i,
    diagnose: (what) => ({ message: `Permission denied opening ${what}.`, hint: 'Fix the permissions (cameras: add the user to the "video" group).' }),
  },
  {
    pattern: /Stream map '0:v:0' matches no streams|Stream specifier ':v:0' in filtergraph description .* matches no streams|does not contain any stream|Output file #0 does not contain any stream/i,
    diagnose: (what) => ({
      message: `${what} has no video stream.`,
      hint: 'Give a file or URL that contains video (audio-only and subtitle files cannot be localized).',
    }),
  },
  {
    pattern: /No such filter|Error (?:initializing|parsing|reinitializing) (?:complex )?filter|Error opening filters|Invalid argument.*lavfi/i,
    diagnose: (what, input) => ({
      message: input.kind === 'lavfi' ? `The lavfi graph of ${what} is not valid for this ffmpeg.` : `ffmpeg could not set up its filters for ${what}.`,
      hint: input.kind === 'lavfi' ? 'Check the filter name and options (ffmpeg -filters lists them), e.g. lavfi:testsrc2=size=320x240:rate=25.' : 'This is likely a bug; please report it with the ffmpeg output below.',
    }),
  },
  {
    pattern: /moov atom not found|Invalid data found when processing input|could not find codec parameters|Failed to read frame size|Format .* detected only with low score|EBML header parsing failed|unspecified size|no frame!|Invalid NAL|End of file/i,
    diagnose: (what) => ({
      message: `${what} is not a video ffmpeg can read (unknown format, truncated, or corrupt).`,
      hint: 'Check that the file is a complete video (it plays in a video player); re-encode or download it again.',
    }),
  },
];

/** The stderr tail without per-frame showinfo noise. */
export function cleanTail(lines: string[], count = 15): string {
  return lines
    .filter((line) => !isShowinfoLine(line))
    .slice(-count)
    .join('\n');
}

/**
 * A failure before any frame (phase 'open': kind 'input'), after some frames (phase 'decode': kind
 * 'decode', frames already delivered stay delivered), or our own timer firing (phase 'timeout').
 */
export function ffmpegFailure(input: InputSpec, phase: FailurePhase, stderrTail: string, extra: { timeoutMs?: number; framesDelivered?: number; exitCode?: number | null } = {}): WsolError {
  const what = describeTarget(input);
  const detail = stderrTail.trim() === '' ? undefined : `ffmpeg said:\n${stderrTail}`;
  if (phase === 'timeout') {
    return new WsolError('input', `Opening ${what} did not complete within ${extra.timeoutMs ?? '?'} ms.`, {
      hint: 'Check that the source is reachable and sending video (host, port, path, firewall), or raise connectTimeoutMs.',
      ...(detail === undefined ? {} : { detail }),
    });
  }
  const rule = RULES.find((candidate) => candidate.pattern.test(stderrTail));
  if (phase === 'decode') {
    const cause = rule ? ` ${rule.diagnose(what, input).message}` : '';
    return new WsolError('decode', `Decoding ${what} failed after ${extra.framesDelivered ?? 0} frames (ffmpeg exit code ${extra.exitCode ?? '?'}).${cause}`, {
      hint: 'The frames decoded before the failure were delivered. The video is probably truncated or corrupt: re-encode it (ffmpeg -i in.mp4 -c:v libx264 out.mp4) or check the connection.',
      ...(detail === undefined ? {} : { detail }),
    });
  }
  const diagnosis = rule?.diagnose(what, input) ?? {
    message: `ffmpeg could not open ${what} (exit code ${extra.exitCode ?? '?'}).`,
    hint: 'See the ffmpeg output below; check that the input plays with `ffmpeg -i INPUT -f null -`.',
  };
  return new WsolError('input', diagnosis.message, { hint: diagnosis.hint, ...(detail === undefined ? {} : { detail }) });
}

const RECOVERED_PROBLEM = /partial file|ended prematurely|read error|error while decoding|corrupt|concealing|invalid|truncat|missing picture|non monoton/i;

/** For a run that ended normally: the last line where ffmpeg reported damage it skipped, if any. */
export function recoveredProblem(stderrTail: string): string | undefined {
  const line = stderrTail
    .split('\n')
    .filter((candidate) => RECOVERED_PROBLEM.test(candidate))
    .at(-1);
  return line === undefined ? undefined : `ffmpeg skipped damaged input: ${line.replace(/^\[[^\]]*\]\s*/, '').trim()}`;
}
