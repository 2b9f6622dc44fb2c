// Network modules used by the bank worker and the board entry.
// Sources: documentation/network/securesocket.md (the `secure` dictionary: protocolVersion 0x303
// = TLS 1.2, certificate = CA in DER, clientKey = key in DER, clientCertificates = array of DER
// certificates, tls_max_fragment_length; TLS handshake needs ~4 KB stack, 10 KB chunks, 6 KB
// slots, 2 KB system heap); documentation/io/io.md (TCP socket options and callbacks);
// Moddable's ECMA-419 HTTP client as used in its examples (request({method, path, headers,
// onHeaders(status, headers), onWritable(count), onReadable(count), onDone(error)}), read/write
// on the request); SNTP and WiFi as used in Moddable's network examples (SNTP.time / retry /
// error; WiFi.gotIP / disconnected).

declare module 'embedded:io/socket/tcp' {
  const TCP: { new (options: object): object };
  export default TCP;
}

declare module 'embedded:io/socket/udp' {
  const UDP: { new (options: object): object };
  export default UDP;
}

declare module 'embedded:io/socket/tcp/tls' {
  const TLSSocket: { new (options: object): object };
  export default TLSSocket;
}

declare module 'embedded:network/dns/resolver/udp' {
  const Resolver: { new (options: object): object };
  export default Resolver;
}

declare module 'embedded:network/http/client' {
  export interface HttpRequest {
    read(byteLength: number): ArrayBuffer | undefined;
    write(data?: ArrayBuffer | ArrayBufferView): void;
    close(): void;
  }
  export interface HttpRequestOptions {
    readonly method: string;
    readonly path: string;
    readonly headers: Map<string, string | number>;
    onHeaders?(this: HttpRequest, status: number, headers: Map<string, string>): void;
    onWritable?(this: HttpRequest, count: number): void;
    onReadable?(this: HttpRequest, count: number): void;
    onDone?(this: HttpRequest, error?: Error): void;
  }
  export interface HttpClientOptions {
    readonly host: string;
    readonly port: number;
    readonly dns: object;
    readonly socket: object;
    onError?(error?: Error): void;
  }
  export default class HTTPClient {
    constructor(options: HttpClientOptions);
    request(options: HttpRequestOptions): HttpRequest;
    close(): void;
  }
}

declare module 'sntp' {
  export default class SNTP {
    static readonly time: number;
    static readonly retry: number;
    static readonly error: number;
    /** The callback may return another host to try after an error. */
    constructor(options: { readonly host: string }, callback: (message: number, value?: number) => string | void);
    close(): void;
  }
}

declare module 'wifi' {
  export default class WiFi {
    static readonly gotIP: string;
    static readonly disconnected: string;
    constructor(options: { readonly ssid: string; readonly password?: string }, callback: (message: string) => void);
    close(): void;
  }
}
