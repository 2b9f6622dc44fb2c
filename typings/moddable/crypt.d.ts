// Source: documentation/crypt/crypt.md (Digest: new Digest(type), write(String|ArrayBuffer),
// close() returns the hash as an ArrayBuffer and may be called once; types include "SHA256").

declare module 'crypt' {
  export class Digest {
    constructor(type: 'MD5' | 'SHA1' | 'SHA224' | 'SHA256' | 'SHA384' | 'SHA512');
    write(message: string | ArrayBuffer): void;
    close(): ArrayBuffer;
  }
}
