// The Encoding API globals the generated bindings use for strings. The JS runtime of the app
// (Hermes) supplies them; TypeScript's ES libraries do not declare them, and pulling in the whole
// "DOM" lib would type-check RN code against browser globals it does not have.
declare class TextEncoder {
  constructor();
  encode(input?: string): Uint8Array;
  encodeInto(source: string, destination: Uint8Array): { read: number; written: number };
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: ArrayBuffer | ArrayBufferView, options?: { stream?: boolean }): string;
}
