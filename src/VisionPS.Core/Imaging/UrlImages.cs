using System;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// http(s) image URLs: whether the service downloads them itself, and downloading them within the file budget for
    /// the servers that cannot (Ollama's OpenAI-compatible API rejects image URLs: ollama#6753, #4474; LM Studio and
    /// the llama.cpp server take data: URLs only).
    /// </summary>
    public static class UrlImages
    {
        private static readonly Lazy<HttpClient> s_shared = new Lazy<HttpClient>(() => new HttpClient { Timeout = TimeSpan.FromSeconds(100) });

        /// <summary>One client for every download (connection reuse; the system proxy applies).</summary>
        public static HttpClient SharedClient => s_shared.Value;

        /// <summary>
        /// Whether the service at <paramref name="baseUri"/> fetches image URLs itself: OpenAI (api.openai.com) and Azure
        /// OpenAI (<paramref name="azure"/>, or an *.openai.azure.com / *.cognitiveservices.azure.com / *.services.ai.azure.com host).
        /// Every other endpoint gets URL images downloaded and sent inline.
        /// </summary>
        public static bool ServiceFetchesUrls(Uri? baseUri, bool azure)
        {
            if (azure || baseUri is null)
            {
                return true; // no base URI: the SDK's default, api.openai.com
            }
            string host = baseUri.Host.ToLowerInvariant();
            return host == "api.openai.com"
                || host.EndsWith(".openai.azure.com", StringComparison.Ordinal)
                || host.EndsWith(".cognitiveservices.azure.com", StringComparison.Ordinal)
                || host.EndsWith(".services.ai.azure.com", StringComparison.Ordinal);
        }

        /// <summary>
        /// Downloads <paramref name="url"/>, reading at most <paramref name="maxBytes"/>; an HTTP error, a non-http(s)
        /// URL or a larger body is an <see cref="HttpRequestException"/> whose message says which.
        /// </summary>
        public static async Task<byte[]> DownloadAsync(HttpClient http, Uri url, long maxBytes, CancellationToken cancellationToken)
        {
            if (http is null)
            {
                throw new ArgumentNullException(nameof(http));
            }
            if (url is null || !url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                throw new HttpRequestException($"'{url}' is not an http(s) URL");
            }
            using HttpResponseMessage response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"the server answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }
            if (response.Content.Headers.ContentLength is long declared && declared > maxBytes)
            {
                throw new HttpRequestException($"the download is {declared} bytes, more than the {maxBytes}-byte budget for one image");
            }
            using Stream body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            using var copy = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (copy.Length + read > maxBytes)
                {
                    throw new HttpRequestException($"the download is larger than the {maxBytes}-byte budget for one image");
                }
                copy.Write(buffer, 0, read);
            }
            return copy.ToArray();
        }
    }
}
