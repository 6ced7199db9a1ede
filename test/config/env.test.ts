import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { substituteString } from '../../src/config/env-substitution.js';
import { parseConfigText } from '../../src/config/load.js';
import { thrownBy } from '../helpers/errors.js';

describe('substituteString', () => {
  const env = { HOST: 'cam.local', EMPTY: '' };

  it('replaces ${NAME} and keeps the text around it', () => {
    expect(substituteString('rtsp://${HOST}:554/x', env)).toEqual({ value: 'rtsp://cam.local:554/x', problems: [] });
  });

  it('uses the default of ${NAME:-default} when the variable is unset or empty', () => {
    expect(substituteString('${NOPE:-a b}', env).value).toBe('a b');
    expect(substituteString('${EMPTY:-fallback}', env).value).toBe('fallback');
    expect(substituteString('${HOST:-fallback}', env).value).toBe('cam.local');
    expect(substituteString('${NOPE:-}', env).value).toBe('');
  });

  it('keeps $${...} literally', () => {
    expect(substituteString('$${HOST} ${HOST}', env)).toEqual({ value: '${HOST} cam.local', problems: [] });
  });

  it('reports missing, malformed and unclosed references', () => {
    expect(substituteString('${NOPE}', env).problems[0]).toMatch(/NOPE is not set/);
    expect(substituteString('${1BAD}', env).problems[0]).toMatch(/malformed/);
    expect(substituteString('${HOST', env).problems[0]).toMatch(/unclosed/);
  });
});

describe('environment variables in config files', () => {
  it('substitutes values, with and without defaults', () => {
    const text = ['version: 1', 'streams:', '  - id: cam', '    input: "rtsp://${CAM_HOST}/stream"', 'model:', '  path: ${MODEL_DIR:-models/other}', ''].join('\n');
    const config = parseConfigText(text, '/tmp/env.yaml', { env: { CAM_HOST: '10.0.0.5' } });
    expect(config.streams[0].input).toBe('rtsp://10.0.0.5/stream');
    expect(config.model.path).toBe('/tmp/models/other');
  });

  it('gives an unquoted substituted value its YAML type; a quoted one stays a string', () => {
    const text = 'version: 1\nserver:\n  port: ${PORT:-8080}\n  token: ${TOKEN:-}\n  host: "${HOST:-0.0.0.0}"\nsmoothing:\n  enabled: ${SMOOTH}\n';
    const config = parseConfigText(text, 'x.yaml', { env: { PORT: '9001', SMOOTH: 'false' } });
    expect(config.server.port).toBe(9001);
    expect(config.server.token).toBeUndefined();
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.smoothing.enabled).toBe(false);

    const quoted = thrownBy(ConfigError, () => parseConfigText('version: 1\nserver:\n  port: "${PORT}"\n', 'q.yaml', { env: { PORT: '9001' } }));
    expect(quoted.message).toContain('q.yaml:3:9: server.port: expected an integer from 0 to 65535, received the string "9001"');
  });

  it('names a missing variable, its key and its line', () => {
    const text = 'version: 1\nserver:\n  host: 127.0.0.1\n  token: ${WSOL_TOKEN}\n';
    const error = thrownBy(ConfigError, () => parseConfigText(text, 'secret.yaml', { env: {} }));
    expect(error.kind).toBe('config');
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ file: 'secret.yaml', line: 4, col: 10, path: 'server.token' });
    expect(error.message).toMatch(/secret\.yaml:4:10: server\.token: environment variable WSOL_TOKEN is not set/);
    expect(error.message).toContain('${WSOL_TOKEN:-value}');
  });

  it('reports every missing variable, inside lists too', () => {
    const text = 'version: 1\nstreams:\n  - id: a\n    input: ${A_URL}\n  - id: b\n    input: ${B_URL}\n';
    const error = thrownBy(ConfigError, () => parseConfigText(text, 'two.yaml', { env: {} }));
    expect(error.problems.map((p) => [p.path, p.line])).toEqual([
      ['streams[0].input', 4],
      ['streams[1].input', 6],
    ]);
    expect(error.problems.map((p) => p.message)).toEqual([expect.stringContaining('A_URL'), expect.stringContaining('B_URL')]);
  });

  it('does not substitute inside comments or keys', () => {
    const config = parseConfigText('version: 1 # ${NOT_SET}\nserver:\n  host: localhost\n', 'c.yaml', { env: {} });
    expect(config.server.host).toBe('localhost');
  });

  it('reads process.env by default', () => {
    process.env.WSOL_TEST_CONFIG_PORT = '7070';
    try {
      expect(parseConfigText('version: 1\nserver:\n  port: ${WSOL_TEST_CONFIG_PORT}\n', 'x.yaml').server.port).toBe(7070);
    } finally {
      delete process.env.WSOL_TEST_CONFIG_PORT;
    }
  });
});
