using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;

// Responses, Conversations and Assistants are [Experimental] in the SDK; VisionPS uses them on purpose (issue 4).
#pragma warning disable OPENAI001

namespace VisionPS.Core.OpenAI
{
    /// <summary>The HTTP pipeline every SDK client shares: transport, authentication, shaping, back-off, retries, verbose lines.</summary>
    public sealed partial class VisionClient
    {
        private T Configure<T>(T options)
            where T : ClientPipelineOptions
        {
            options.NetworkTimeout = _connection.Timeout;
            options.RetryPolicy = _retryPolicy;
            options.Transport = _transport;
            options.AddPolicy(_shapingPolicy, PipelinePosition.PerCall);
            options.AddPolicy(s_gatePolicy, PipelinePosition.PerCall);
            options.AddPolicy(_rateLimitPolicy, PipelinePosition.PerTry);
            if (_warnBeforeSending is not null)
            {
                options.AddPolicy(_warnBeforeSending, PipelinePosition.PerTry);
            }
            options.AddPolicy(AnswerBodyPolicy.Shared, PipelinePosition.PerTry);
            if (_connection.Verbose is Action<string> verbose)
            {
                options.AddPolicy(new VerbosePolicy(verbose, _scrubber), PipelinePosition.PerTry);
            }
            return options;
        }

        private static AuthenticationPolicy CreateAuthentication(VisionConnection connection)
        {
            AzureOpenAISettings? azure = connection.Azure;
            if (azure?.BearerToken is string token)
            {
                return ApiKeyAuthenticationPolicy.CreateBearerAuthorizationPolicy(new ApiKeyCredential(token));
            }
            if (connection.ApiKey is not string key)
            {
                return new AnonymousPolicy();
            }
            return azure is null
                ? ApiKeyAuthenticationPolicy.CreateBearerAuthorizationPolicy(new ApiKeyCredential(key))
                : ApiKeyAuthenticationPolicy.CreateHeaderApiKeyPolicy(new ApiKeyCredential(key), "api-key");
        }

        /// <summary>
        /// Why redirects are not followed: HttpClient drops the Authorization header when it follows one, but not Azure's
        /// api-key header (nor the organization and project), so a redirect to another host would hand it the key; a
        /// POST redirected by 301/302 would also turn into a GET. A redirect is an error naming where it pointed.
        /// </summary>
        internal const string NoRedirects = "VisionPS does not follow redirects, so that the key is never sent to another address";

        private static HttpMessageHandler CreateHandler(VisionConnection connection)
        {
            IWebProxy? proxy = connection.Proxy is Uri explicitProxy ? new WebProxy(explicitProxy) : null;
#if NET
            var handler = new SocketsHttpHandler
            {
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate | DecompressionMethods.Brotli,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = connection.Timeout,
                UseProxy = !connection.NoProxy,
                AllowAutoRedirect = false, // see NoRedirects
            };
#else
            var handler = new HttpClientHandler
            {
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
                UseProxy = !connection.NoProxy,
                AllowAutoRedirect = false, // see NoRedirects
            };
#endif
            if (proxy is not null && !connection.NoProxy)
            {
                handler.Proxy = proxy;
            }
            return handler;
        }

        /// <summary>Compatible local servers (Ollama, LM Studio, vLLM) often need no key: send no Authorization header.</summary>
        private sealed class AnonymousPolicy : AuthenticationPolicy
        {
            public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
                => ProcessNext(message, pipeline, currentIndex);

            public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
                => ProcessNextAsync(message, pipeline, currentIndex);
        }
    }
}
