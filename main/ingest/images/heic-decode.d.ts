// Types for heic-decode 2 (libheif compiled to WebAssembly), which ships none.
declare module 'heic-decode' {
  interface DecodedHeic {
    width: number;
    height: number;
    /** RGBA, 8 bits a channel, row-major. */
    data: Uint8ClampedArray;
  }
  interface HeicImage {
    width: number;
    height: number;
    decode(): Promise<DecodedHeic>;
  }
  interface HeicImages extends Array<HeicImage> {
    dispose(): void;
  }
  interface HeicDecode {
    (options: { buffer: Uint8Array }): Promise<DecodedHeic>;
    all(options: { buffer: Uint8Array }): Promise<HeicImages>;
  }
  const decode: HeicDecode;
  export default decode;
}
