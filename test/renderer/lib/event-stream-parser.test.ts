import { describe, expect, it } from 'vitest';
import { EventStreamParser } from '../../../renderer/src/lib/event-stream-parser.js';

describe('EventStreamParser', () => {
  it('parses named events, multi-line data, comments and CRLF', () => {
    const parser = new EventStreamParser();
    const events = parser.push(': keep-alive\n\nevent: indexProgress\r\ndata: {"processed":1}\r\n\ndata: line one\ndata: line two\n\n');
    expect(events).toEqual([
      { event: 'indexProgress', data: '{"processed":1}' },
      { event: 'message', data: 'line one\nline two' },
    ]);
  });

  it('completes an event only at its blank line, across chunk boundaries', () => {
    const parser = new EventStreamParser();
    expect(parser.push('event: index')).toEqual([]);
    expect(parser.push('Progress\ndata: {"a"')).toEqual([]);
    expect(parser.push(':2}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'indexProgress', data: '{"a":2}' }]);
  });

  it('ignores an event without data and resets the name after each event', () => {
    const parser = new EventStreamParser();
    expect(parser.push('event: lonely\n\ndata: x\n\n')).toEqual([{ event: 'message', data: 'x' }]);
  });
});
