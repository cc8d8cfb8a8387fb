// Extractors per format, passage splitting and refusals, on files built in code.
import { describe, expect, it } from 'vitest';
import { extractText, textFormatOf, ExtractionRefused } from '../../../main/ingest/extractors/index.js';
import { splitIntoPassages } from '../../../main/ingest/passages.js';
import { makeDocx, makePdf } from './document-fixtures.js';

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

describe('text extractors', () => {
  it('chooses a format by extension and ignores hidden and non-text files', () => {
    expect(textFormatOf('/a/notes.TXT')).toBe('text');
    expect(textFormatOf('/a/readme.md')).toBe('markdown');
    expect(textFormatOf('/a/page.htm')).toBe('html');
    expect(textFormatOf('/a/paper.pdf')).toBe('pdf');
    expect(textFormatOf('/a/letter.docx')).toBe('docx');
    expect(textFormatOf('/a/README')).toBe('text');
    expect(textFormatOf('/a/photo.jpg')).toBeUndefined();
    expect(textFormatOf('/a/.hidden.txt')).toBeUndefined();
  });

  it('reads UTF-8 and UTF-16 text and takes the first line as the title', async () => {
    const extracted = await extractText('text', utf8('\n  Café notes \r\nsecond line'));
    expect(extracted.title).toBe('Café notes');
    expect(extracted.text).toContain('second line');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hello wide world', 'utf16le')]);
    expect((await extractText('text', new Uint8Array(utf16))).text).toBe('hello wide world');
  });

  it('refuses binary files and invalid UTF-8 with a reason', async () => {
    await expect(extractText('text', new Uint8Array([104, 105, 0, 1, 2]))).rejects.toThrow(new ExtractionRefused('binary file'));
    await expect(extractText('text', new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20, 0x61]))).rejects.toThrow('invalid UTF-8 encoding');
  });

  it('turns Markdown into the words a reader sees', async () => {
    const extracted = await extractText(
      'markdown',
      utf8(
        '---\ntags: x\n---\n# The *Title*\n\nSee [the docs](https://example.com/path) and ![a cat](cat.png).\n\n```js\nconst answer = 42;\n```\n',
      ),
    );
    expect(extracted.title).toBe('The Title');
    expect(extracted.text).toContain('See the docs and a cat.');
    expect(extracted.text).toContain('const answer = 42;');
    expect(extracted.text).not.toContain('example.com');
    expect(extracted.text).not.toContain('tags');
  });

  it('extracts HTML body text without scripts and styles, with the <title>', async () => {
    const html =
      '<html><head><title>Garden &amp; Orchard</title><style>p{color:red}</style></head><body><script>var secret = 1;</script><h1>Apples</h1><p>Grow <b>apples</b> in spring.</p><p>Prune&nbsp;in winter.</p></body></html>';
    const extracted = await extractText('html', utf8(html));
    expect(extracted.title).toBe('Garden & Orchard');
    expect(extracted.text).toContain('Grow apples in spring.');
    expect(extracted.text).toContain('Prune in winter.');
    expect(extracted.text).toContain('Garden & Orchard');
    expect(extracted.text).not.toContain('secret');
    expect(extracted.text).not.toContain('color');
    expect(extracted.text).toMatch(/spring\.\n\nPrune/);
  });

  it('reads the text layer of a PDF and its /Title', async () => {
    const pdf = makePdf(['Mutual information of a query', 'and a document (in bits)'], 'Ranking Notes');
    const extracted = await extractText('pdf', new Uint8Array(pdf));
    expect(extracted.title).toBe('Ranking Notes');
    expect(extracted.text).toContain('Mutual information of a query');
    expect(extracted.text).toContain('and a document (in bits)');
  });

  it('refuses a damaged PDF with the reason', async () => {
    await expect(extractText('pdf', utf8('%PDF-1.4 this is not really a pdf'))).rejects.toBeInstanceOf(ExtractionRefused);
  });

  it('reads the paragraphs of a DOCX', async () => {
    const docx = makeDocx(['Quarterly report', 'Revenue grew in the northern region.']);
    const extracted = await extractText('docx', new Uint8Array(docx));
    expect(extracted.title).toBe('Quarterly report');
    expect(extracted.text).toMatch(/Quarterly report\s+Revenue grew in the northern region\./);
    await expect(extractText('docx', utf8('not a zip'))).rejects.toBeInstanceOf(ExtractionRefused);
  });
});

describe('passage splitting', () => {
  it('keeps a short document whole and packs paragraphs up to the word limit', () => {
    expect(splitIntoPassages('one two\n\nthree')).toEqual(['one two\n\nthree']);
    const paragraphs = Array.from({ length: 6 }, (_, index) => Array.from({ length: 40 }, () => `w${index}`).join(' '));
    const passages = splitIntoPassages(paragraphs.join('\n\n'), 100);
    expect(passages).toHaveLength(3);
    for (const passage of passages) expect(passage.split(/\s+/).length).toBeLessThanOrEqual(100);
    expect(passages.join('\n\n')).toBe(paragraphs.join('\n\n'));
  });

  it('cuts a paragraph longer than the limit at word boundaries', () => {
    const words = Array.from({ length: 250 }, (_, index) => `word${index}`);
    const passages = splitIntoPassages(words.join(' '), 100);
    expect(passages.map((passage) => passage.split(' ').length)).toEqual([100, 100, 50]);
    expect(passages.join(' ').split(' ')).toEqual(words);
  });
});
