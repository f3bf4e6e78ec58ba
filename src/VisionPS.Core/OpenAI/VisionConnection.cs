using System;
using System.Threading.Tasks;

namespace VisionPS.Core.OpenAI
{
    /// <summary>
    /// Where and how VisionPS talks to an OpenAI-style service: OpenAI itself, any compatible server (a base URI), or
    /// Azure OpenAI. The API key and bearer token are write-only from outside: nothing prints them.
    /// </summary>
    public sealed class VisionConnection
    {
        /// <summary>The OpenAI API's base URI.</summary>
        public static readonly Uri DefaultBaseUri = new Uri("https://api.openai.com/v1/");

        /// <summary>Environment variable holding the API key.</summary>
        public const string ApiKeyVariable = "OPENAI_API_KEY";

        /// <summary>Environment variable holding the base URI.</summary>
        public const string BaseUriVariable = "OPENAI_BASE_URL";

        private string? _apiKey;

        /// <summary>
        /// Whether <paramref name="baseUri"/> is OpenAI itself (<see cref="IsOpenAIHost"/>; null means it) or Azure OpenAI
        /// (<paramref name="azure"/>, or an *.openai.azure.com / *.cognitiveservices.azure.com / *.services.ai.azure.com
        /// host), rather than a compatible server (Ollama, LM Studio, vLLM, llama.cpp, a gateway). The one place this is
        /// decided: those two fetch image URLs, enforce strict schemas, and name no model with a space.
        /// </summary>
        public static bool IsOpenAIOrAzure(Uri? baseUri, bool azure)
        {
            if (azure || baseUri is null)
            {
                return true;
            }
            string host = baseUri.Host.ToLowerInvariant();
            return IsOpenAIHost(baseUri)
                || host.EndsWith(".openai.azure.com", StringComparison.Ordinal)
                || host.EndsWith(".cognitiveservices.azure.com", StringComparison.Ordinal)
                || host.EndsWith(".services.ai.azure.com", StringComparison.Ordinal);
        }

        /// <summary>Whether <paramref name="uri"/> is OpenAI's own API: api.openai.com or a regional host of it (eu.api.openai.com).</summary>
        public static bool IsOpenAIHost(Uri uri)
        {
            string host = uri.Host.ToLowerInvariant();
            return host == "api.openai.com" || host.EndsWith(".api.openai.com", StringComparison.Ordinal);
        }

        /// <summary>The base URI requests go to (ignored when <see cref="Azure"/> is set).</summary>
        public Uri BaseUri { get; set; } = DefaultBaseUri;

        /// <summary>
        /// The API key. Readable only inside the transport; <see cref="HasApiKey"/> tells whether one is set. White space
        /// around it is dropped (a key file read whole ends in a line break; a header cannot carry one: it ended the
        /// request's headers early).
        /// </summary>
        public string? ApiKey
        {
            internal get => _apiKey;
            set => _apiKey = string.IsNullOrWhiteSpace(value) ? null : value!.Trim();
        }

        /// <summary>Whether an API key is set.</summary>
        public bool HasApiKey => _apiKey is not null;

        /// <summary>
        /// Whether the API key holds a character no API key has and an HTTP header cannot carry: a line break or other
        /// control character inside it (two lines pasted), or a non-ASCII one (a typographic quote). Sent, it would
        /// break the request or add headers of its own, so it is refused before anything is sent.
        /// </summary>
        public bool ApiKeyIsMalformed => _apiKey is string key && HasForbiddenCharacter(key);

        /// <summary>Whether <paramref name="secret"/> holds a control or non-ASCII character.</summary>
        public static bool HasForbiddenCharacter(string secret)
        {
            foreach (char c in secret ?? string.Empty)
            {
                if (c < 0x20 || c >= 0x7F)
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>Azure OpenAI settings; when set, requests go to the Azure deployment instead of <see cref="BaseUri"/>.</summary>
        public AzureOpenAISettings? Azure { get; set; }

        /// <summary>An explicit proxy; null uses the system's proxy settings unless <see cref="NoProxy"/> is set.</summary>
        public Uri? Proxy { get; set; }

        /// <summary>Bypass every proxy, the system's included.</summary>
        public bool NoProxy { get; set; }

        /// <summary>The time one HTTP try may take before it is abandoned (and retried).</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(120);

        /// <summary>How often a 429 (not insufficient_quota), 408, 5xx or dropped connection is retried.</summary>
        public int MaxRetries { get; set; } = 3;

        /// <summary>The first back-off when the server names no retry-after; doubles per try, with jitter.</summary>
        public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(0.5);

        /// <summary>The longest single wait between tries, whatever retry-after says.</summary>
        public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>OpenAI organization id (OpenAI-Organization header), optional.</summary>
        public string? Organization { get; set; }

        /// <summary>OpenAI project id (OpenAI-Project header), optional.</summary>
        public string? Project { get; set; }

        /// <summary>
        /// Receives one line per HTTP try (method, URL, status, time) and per retry wait, for -Verbose. Never given a
        /// header or a body, so never a key.
        /// </summary>
        public Action<string>? Verbose { get; set; }

        /// <summary>
        /// Gives a warning about how requests go (<see cref="ClearTextWarning"/>), just before a client of this connection
        /// first puts one on the wire: past the send gate (-WhatIf and a -Confirm answered No send nothing, so nothing is
        /// said) and past any rate-limit wait. Once per client; every request of the client waits until it is given, and
        /// a sink that fails (-WarningAction Stop, a pipeline that has ended) sends nothing. Null: nothing is said.
        /// </summary>
        public Func<string, Task>? Warning { get; set; }

        /// <summary>
        /// The warning for a key that goes unencrypted to an http:// address on another computer; null when it does not.
        /// Not refused: a compatible server on the local network may offer nothing else. Never names the key, nor a user
        /// name or password in the address (scheme://host:port only).
        /// </summary>
        public string? ClearTextWarning()
        {
            Uri target = Azure?.Endpoint ?? BaseUri;
            return HasApiKey && target.Scheme == Uri.UriSchemeHttp && !UriText.IsLoopback(target)
                ? $"The API key goes unencrypted (clear text) to {UriText.Address(target)}: it is an http:// address on another computer, so anyone on the network path can read the key. Use https:// if the server offers it."
                : null;
        }

        /// <summary>A connection configured from OPENAI_API_KEY and OPENAI_BASE_URL.</summary>
        public static VisionConnection FromEnvironment()
        {
            var connection = new VisionConnection { ApiKey = Environment.GetEnvironmentVariable(ApiKeyVariable) };
            string? baseUri = Environment.GetEnvironmentVariable(BaseUriVariable);
            if (!string.IsNullOrWhiteSpace(baseUri))
            {
                connection.BaseUri = ParseBaseUri(baseUri!, BaseUriVariable);
            }
            return connection;
        }

        /// <summary>Parses a base URI given by a user, naming where it came from when it is not an absolute http(s) URI.</summary>
        /// <param name="value">What the user gave.</param>
        /// <param name="source">Where it came from, as the message names it (-BaseUri, OPENAI_BASE_URL).</param>
        /// <param name="example">An address of the kind expected, for the message.</param>
        /// <param name="advice">The message's last sentence: what to add.</param>
        public static Uri ParseBaseUri(string value, string source, string example = "https://api.openai.com/v1", string advice = "Add the scheme (http:// for a local server such as Ollama).")
        {
            if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException($"{source} must be an absolute http(s) URI such as {example}, not '{UriText.ValueWithoutUserInfo(value)}'. {advice}");
            }
            return uri;
        }

        /// <summary>The effective endpoint for display; never shows a credential.</summary>
        public override string ToString()
        {
            string target = Azure is null ? UriText.Absolute(BaseUri) : Azure.ToString(); // never a user name or password written into it
            string key = HasApiKey ? "set (hidden)" : "none";
            return $"VisionConnection {target} key={key} timeout={Timeout.TotalSeconds}s retries={MaxRetries}";
        }

        internal VisionConnection Clone() => (VisionConnection)MemberwiseClone();

        /// <summary>Whether an API key or an Azure bearer token is set.</summary>
        public bool HasCredential => _apiKey is not null || Azure?.BearerToken is not null;

        /// <summary>
        /// A check value of this connection's API key (else its Azure bearer token) for <paramref name="endpoint"/> of
        /// its kind (Azure with <paramref name="azureApiVersion"/>, else OpenAI-style): HMAC-SHA256 keyed with the key
        /// over "kind|api-version|endpoint", first 16 bytes in hex; empty when there is no key.
        /// A batch record keeps it so a later command sends its key to the endpoint a batch was created at only when it
        /// is the key that went there at submission: the record never holds the key, and a record edited to name
        /// another endpoint (a shared -BatchPath) cannot carry a check that matches without the key.
        /// </summary>
        public string EndpointKeyCheck(string endpoint, string? azureApiVersion = null)
        {
            string? secret = _apiKey ?? Azure?.BearerToken;
            if (secret is null)
            {
                return string.Empty;
            }
            using var hmac = new System.Security.Cryptography.HMACSHA256(System.Text.Encoding.UTF8.GetBytes(secret));
            byte[] mac = hmac.ComputeHash(System.Text.Encoding.UTF8.GetBytes("VisionPS batch endpoint\n"
                + (azureApiVersion is null ? "openai" : "azure") + "|" + (azureApiVersion ?? string.Empty) + "|" + (endpoint ?? string.Empty)));
            return BitConverter.ToString(mac, 0, 16).Replace("-", string.Empty).ToLowerInvariant();
        }

        /// <summary>
        /// This connection (retries, timeout, proxy, verbose sink) sent to another endpoint: a compatible server at
        /// <paramref name="baseUri"/>, or, when <paramref name="azureApiVersion"/> is given, the Azure OpenAI resource
        /// at its authority (resource-wide routes only: batches and files need no deployment). Without
        /// <paramref name="withKey"/> no API key or bearer token goes with it.
        /// </summary>
        public VisionConnection WithEndpoint(Uri baseUri, string? azureApiVersion, bool withKey)
        {
            if (baseUri is null)
            {
                throw new ArgumentNullException(nameof(baseUri));
            }
            VisionConnection copy = Clone();
            string? bearer = Azure?.BearerToken;
            if (azureApiVersion is null)
            {
                copy.Azure = null;
                copy.BaseUri = baseUri;
            }
            else
            {
                copy.Azure = new AzureOpenAISettings(new Uri(baseUri.GetLeftPart(UriPartial.Authority)), Azure?.Deployment ?? "batch", azureApiVersion)
                {
                    BearerToken = withKey ? bearer : null,
                };
            }
            if (!withKey)
            {
                copy._apiKey = null;
            }
            return copy;
        }
    }
}
