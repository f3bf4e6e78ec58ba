using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using VisionPS.Core.OpenAI;
using VisionPS.TestServer;
using Xunit;

namespace VisionPS.OpenAI.Tests.Support
{
    /// <summary>One local endpoint per test class, requiring <see cref="ApiKey"/>.</summary>
    public sealed class EndpointFixture : IAsyncLifetime
    {
        /// <summary>A key that must never show anywhere but the Authorization header.</summary>
        public string ApiKey { get; } = "sk-visionps-test-" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N").Substring(0, 12);

        public EndpointHost Host { get; private set; } = null!;

        public async Task InitializeAsync() => Host = await EndpointHost.StartAsync(apiKey: ApiKey);

        public VisionConnection Connection(int maxRetries = 2, TimeSpan? timeout = null) => new VisionConnection
        {
            BaseUri = Host.BaseUri,
            ApiKey = ApiKey,
            MaxRetries = maxRetries,
            RetryDelay = TimeSpan.FromMilliseconds(20),
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
            NoProxy = true,
        };

        public VisionClient Client(int maxRetries = 2, TimeSpan? timeout = null) => new VisionClient(Connection(maxRetries, timeout));

        public async Task DisposeAsync() => await Host.DisposeAsync();

        /// <summary>Spec violations among the bodies the transport sent, from request number <paramref name="from"/> on.</summary>
        public List<string> ContractViolations(int from = 0)
        {
            var violations = new List<string>();
            foreach (CapturedRequest request in Host.Requests.Skip(from).Where(IsTransportBody))
            {
                violations.AddRange(OpenApiContract.Validate(request).Select(e => $"{request.Method} {request.Path}: {e}"));
            }
            return violations;
        }

        /// <summary>Bodies sent on purpose outside the transport (raw negative tests, header X-Raw-Test) are not the transport's to answer for.</summary>
        public bool IsTransportBody(CapturedRequest request)
            => request.Method == "POST" && request.Body.Length > 0 && (request.Path.StartsWith("/v1/", StringComparison.Ordinal) || request.Path.StartsWith("/openai/", StringComparison.Ordinal))
               && !request.Headers.ContainsKey("X-Raw-Test");
    }

    /// <summary>
    /// Base of the tests that talk to the endpoint: after each test, every JSON or multipart body the transport sent
    /// during it is validated against the official spec, and a violation fails that test.
    /// </summary>
    public abstract class EndpointTests : IClassFixture<EndpointFixture>, IDisposable
    {
        private readonly int _start;

        protected EndpointTests(EndpointFixture endpoint)
        {
            Endpoint = endpoint;
            _start = endpoint.Host.Requests.Count;
        }

        protected EndpointFixture Endpoint { get; }

        public void Dispose()
        {
            List<string> violations = Endpoint.ContractViolations(_start);
            Assert.True(violations.Count == 0, "Request bodies that break the official spec:\n" + string.Join("\n", violations));
        }
    }
}
