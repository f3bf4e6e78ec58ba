using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using VisionPS.Core.OpenAI;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// http(s) image URLs: whether the service downloads them itself, and downloading them within the file budget for
    /// the servers that cannot (Ollama's OpenAI-compatible API rejects image URLs: ollama#6753, #4474; LM Studio and
    /// the llama.cpp server take data: URLs only).
    /// </summary>
    public static class UrlImages
    {
        private static readonly Lazy<HttpClient> s_shared = new Lazy<HttpClient>(() => new HttpClient { Timeout = Timeout.InfiniteTimeSpan });

        /// <summary>One client for every download (connection reuse; the system proxy applies); each download has its own deadline.</summary>
        public static HttpClient SharedClient => s_shared.Value;

        /// <summary>
        /// Whether the service at <paramref name="baseUri"/> fetches image URLs itself: OpenAI (api.openai.com) and Azure
        /// OpenAI (<paramref name="azure"/>, or an *.openai.azure.com / *.cognitiveservices.azure.com / *.services.ai.azure.com host).
        /// Every other endpoint gets URL images downloaded and sent inline.
        /// </summary>
        public static bool ServiceFetchesUrls(Uri? baseUri, bool azure) => OpenAI.VisionConnection.IsOpenAIOrAzure(baseUri, azure);

        /// <summary>The most a download reserves before its bytes arrive, whatever size the server declares.</summary>
        internal const int FirstReserve = 1 << 20;

        private const int MaxArray = 0x7FFFFFC7; // the largest byte array .NET allocates

        /// <summary>How long one download may take, body included, unless the caller says otherwise.</summary>
        public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(100);

        /// <summary>
        /// Downloads <paramref name="url"/> as <see cref="DownloadAsync(HttpClient, Uri, long, TimeSpan, CancellationToken)"/> does,
        /// within <paramref name="http"/>'s Timeout, or <see cref="DefaultTimeout"/> when it has none (the
        /// <see cref="SharedClient"/>'s is infinite: each download has its own deadline).
        /// </summary>
        public static Task<byte[]> DownloadAsync(HttpClient http, Uri url, long maxBytes, CancellationToken cancellationToken)
            => DownloadAsync(http, url, maxBytes, cancellationToken, DefaultTimeout);

        /// <summary>As the public overload, with <paramref name="fallback"/> for a client that has no timeout.</summary>
        internal static Task<byte[]> DownloadAsync(HttpClient http, Uri url, long maxBytes, CancellationToken cancellationToken, TimeSpan fallback)
            => DownloadAsync(http, url, maxBytes, http is not null && http.Timeout > TimeSpan.Zero && http.Timeout != Timeout.InfiniteTimeSpan ? http.Timeout : fallback, cancellationToken);

        /// <summary>
        /// Downloads <paramref name="url"/>, reading at most <paramref name="maxBytes"/>, the whole download (headers and
        /// body) within <paramref name="timeout"/>. Every failure is an <see cref="HttpRequestException"/> whose message
        /// says what went wrong in words: a non-http(s) URL, an HTTP error or a redirect not followed, a web page instead
        /// of an image, a declared or actual size over the budget, a body cut short, a download that took too long.
        /// Only <paramref name="cancellationToken"/> ends it with an <see cref="OperationCanceledException"/>.
        /// </summary>
        public static async Task<byte[]> DownloadAsync(HttpClient http, Uri url, long maxBytes, TimeSpan timeout, CancellationToken cancellationToken)
        {
            if (http is null)
            {
                throw new ArgumentNullException(nameof(http));
            }
            if (url is null || !url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                throw new HttpRequestException($"'{url}' is not an http(s) URL");
            }
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (timeout > TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            {
                deadline.CancelAfter(timeout);
            }
            HttpResponseMessage? response = null;
            long received = 0;
            long? declared = null;
            try
            {
                try
                {
                    response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
                }
                catch (HttpRequestException ex) when (!deadline.IsCancellationRequested)
                {
                    throw NoAnswer(ex, SystemProxy(url));
                }
                // A read that does not watch the token (.NET Framework's content streams) ends when the response is disposed.
                using CancellationTokenRegistration disposeAtDeadline = deadline.Token.Register(r => ((HttpResponseMessage)r!).Dispose(), response);
                if (!response.IsSuccessStatusCode)
                {
                    int status = (int)response.StatusCode;
                    throw new HttpRequestException(status >= 300 && status < 400
                        ? $"the server answered {status} {response.ReasonPhrase}, a redirect that was not followed (too many in a row, or from https to http)"
                        : $"the server answered {status} {response.ReasonPhrase}");
                }
                string? mediaType = response.Content.Headers.ContentType?.MediaType;
                if (string.Equals(mediaType, "text/html", StringComparison.OrdinalIgnoreCase) || string.Equals(mediaType, "application/xhtml+xml", StringComparison.OrdinalIgnoreCase))
                {
                    throw new HttpRequestException($"the server sent a web page ({mediaType}), not an image: the URL may need a sign-in, or it is the page that shows the image rather than the image itself (open it in a browser and copy the image's own address)");
                }
                declared = response.Content.Headers.ContentLength;
                if (declared is long length && length > maxBytes)
                {
                    throw new HttpRequestException($"the download is {length} bytes, more than the {maxBytes}-byte budget for one image");
                }
                using Stream body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                // At most FirstReserve up front (a Content-Length is only a claim: a hostile server may declare 200 MB and
                // send nothing, holding the memory until the timeout), then grown as bytes arrive, doubling, never past the
                // declared size (when given) or the budget.
                long ceiling = declared is long size && size > 0 && size < maxBytes ? size : maxBytes;
                using var copy = new MemoryStream((int)Math.Max(0, Math.Min(ceiling, FirstReserve)));
                var buffer = new byte[81920];
                int read;
                while ((read = await body.ReadAsync(buffer, 0, buffer.Length, deadline.Token).ConfigureAwait(false)) > 0)
                {
                    long needed = copy.Length + read;
                    if (needed > maxBytes)
                    {
                        throw new HttpRequestException($"the download is larger than the {maxBytes}-byte budget for one image");
                    }
                    if (needed > copy.Capacity)
                    {
                        long grown = Math.Max(needed, Math.Min(2L * copy.Capacity, ceiling));
                        copy.Capacity = (int)Math.Min(grown, MaxArray);
                    }
                    copy.Write(buffer, 0, read);
                    received = copy.Length;
                }
                if (declared is long promised && received < promised)
                {
                    throw new HttpRequestException($"the download broke off after {received} of the {promised} bytes the server announced");
                }
                return copy.ToArray();
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (deadline.IsCancellationRequested || ex is TaskCanceledException))
            {
                // Whatever the deadline's end made the read throw: on .NET Framework it disposes the response, and the read
                // fails with a WebException (RequestCanceled), an ObjectDisposedException or an IOException.
                string seconds = timeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
                throw new HttpRequestException($"the download did not arrive in full within {seconds} s{(received > 0 ? $" ({received} bytes arrived)" : string.Empty)}; the server is too slow or stalled", ex);
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested)
            {
                // The caller stopped (Ctrl+C): whatever the cancelled read threw, it is that stop, not a broken download.
                throw new OperationCanceledException("The download was cancelled.", ex, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or WebException)
            {
                // The connection closed or was reset while the body was read.
                throw new HttpRequestException($"the download broke off after {received}{(declared is long promised ? $" of the {promised}" : string.Empty)} bytes: the server closed the connection", ex);
            }
            finally
            {
                response?.Dispose();
            }
        }

        /// <summary>
        /// In words, a request that failed before any answer came: .NET's outer text is often only "An error occurred
        /// while sending the request."; what happened is in its inner exceptions (the socket's error, a connection closed
        /// before the status line, a TLS failure), never with the user name and password of <paramref name="proxy"/> or
        /// of any address in them.
        /// </summary>
        internal static string BeforeTheAnswer(Exception failure, Uri? proxy = null)
        {
            Exception innermost = Innermost(failure);
            System.Net.Sockets.SocketException? socket = null;
            WebExceptionStatus? web = null;
            bool tls = false;
            for (Exception? e = failure; e is not null; e = e.InnerException)
            {
                socket ??= e as System.Net.Sockets.SocketException;
                web ??= (e as WebException)?.Status;
                tls |= e is System.Security.Authentication.AuthenticationException;
            }
            Why why = tls || web is WebExceptionStatus.SecureChannelFailure or WebExceptionStatus.TrustFailure ? Why.Tls
                : socket?.SocketErrorCode is System.Net.Sockets.SocketError.ConnectionRefused or System.Net.Sockets.SocketError.HostNotFound
                    or System.Net.Sockets.SocketError.TryAgain or System.Net.Sockets.SocketError.NoData or System.Net.Sockets.SocketError.HostUnreachable
                    or System.Net.Sockets.SocketError.NetworkUnreachable or System.Net.Sockets.SocketError.NetworkDown
                  || web is WebExceptionStatus.ConnectFailure or WebExceptionStatus.NameResolutionFailure or WebExceptionStatus.ProxyNameResolutionFailure ? Why.NotConnected
                : socket is not null || innermost is IOException
                  || web is WebExceptionStatus.ConnectionClosed or WebExceptionStatus.ReceiveFailure or WebExceptionStatus.KeepAliveFailure ? Why.Closed
                : Why.Other;
#if NET
            // .NET 8+ says exactly which: the chain's guesses above are for .NET Framework.
            if (failure is HttpRequestException { HttpRequestError: var error } && error != HttpRequestError.Unknown)
            {
                why = error switch
                {
                    HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError => Why.NotConnected,
                    HttpRequestError.SecureConnectionError => Why.Tls,
                    HttpRequestError.ResponseEnded => Why.Ended,
                    _ => why,
                };
            }
#endif
            // The most specific words: .NET's own summary of a connect failure ("Connection refused (host:port)", the
            // outer text over a SocketException), the innermost text otherwise (.NET Framework's outer text is generic).
            string words = why == Why.NotConnected && failure.InnerException is System.Net.Sockets.SocketException ? failure.Message : innermost.Message;
            string said = MessageText.Clause(OpenAIRequestException.WithoutStrayQuote(UriText.WithoutUserInfo(words, proxy)));
            return why switch
            {
                Why.NotConnected => $"could not connect to the server{(proxy is null ? string.Empty : $" or its proxy {UriText.Address(proxy)}")}: {said}",
                Why.Tls => $"the secure (TLS) connection could not be set up: {said}",
                Why.Ended => "the server closed the connection before it answered",
                Why.Closed => $"the server closed the connection before it answered ({said})",
                _ => said,
            };
        }

        /// <summary>
        /// The error for a request that got no answer, in <see cref="BeforeTheAnswer"/>'s words. .NET's texts may quote a
        /// proxy whole, its password included: the exception kept inside is then a copy that says the same less it
        /// (Get-Error shows the inner exceptions).
        /// </summary>
        internal static HttpRequestException NoAnswer(HttpRequestException failure, Uri? proxy)
            => new HttpRequestException(BeforeTheAnswer(failure, proxy),
                failure.ToString().IndexOf('@') < 0 ? failure : new HttpRequestException(UriText.WithoutUserInfo(Innermost(failure).Message, proxy)));

        private enum Why
        {
            Other,
            NotConnected,
            Tls,
            Ended,
            Closed,
        }

        private static Exception Innermost(Exception failure)
        {
            Exception innermost = failure;
            while (innermost.InnerException is Exception inner)
            {
                innermost = inner;
            }
            return innermost;
        }

        /// <summary>The system proxy a download of <paramref name="url"/> goes through, if any (its errors may quote it whole).</summary>
        private static Uri? SystemProxy(Uri url)
        {
            try
            {
#if NET
                IWebProxy? system = HttpClient.DefaultProxy;
#else
                IWebProxy? system = WebRequest.DefaultWebProxy;
#endif
                if (system is null || system.IsBypassed(url))
                {
                    return null;
                }
                Uri? proxy = system.GetProxy(url);
                return proxy is null || proxy == url ? null : proxy;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                return null; // a proxy setting that cannot be read: the pattern alone then
            }
        }
    }
}
