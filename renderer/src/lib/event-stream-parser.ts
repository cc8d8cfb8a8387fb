// A parser for the text/event-stream format (the subset the serve shell writes: `event:`, `data:`,
// comments and blank-line separators). The page reads the stream with fetch rather than EventSource
// because only fetch can send the Authorization header that the server requires.

export interface ServerSentEvent {
  event: string;
  data: string;
}

export class EventStreamParser {
  private buffer = '';
  private eventName = '';
  private dataLines: string[] = [];

  /** Feeds a chunk of text; returns the events completed by it. */
  push(chunk: string): ServerSentEvent[] {
    this.buffer += chunk;
    const events: ServerSentEvent[] = [];
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, '');
      this.buffer = this.buffer.slice(newline + 1);
      if (line === '') {
        if (this.dataLines.length > 0) events.push({ event: this.eventName || 'message', data: this.dataLines.join('\n') });
        this.eventName = '';
        this.dataLines = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') this.eventName = value;
      else if (field === 'data') this.dataLines.push(value);
    }
    return events;
  }
}
