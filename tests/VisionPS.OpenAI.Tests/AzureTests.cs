using System;
using System.Linq;
using System.Threading.Tasks;
using VisionPS.Core.OpenAI;
using VisionPS.OpenAI.Tests.Support;
using VisionPS.TestServer;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    public sealed class AzureTests : EndpointTests
    {
        public AzureTests(EndpointFixture endpoint)
            : base(endpoint)
        {
        }

        [Fact]
        public async Task AzureSendsTheDeploymentRouteApiVersionAndApiKeyHeader()
        {
            var connection = new VisionConnection
            {
                ApiKey = Endpoint.ApiKey,
                Azure = new AzureOpenAISettings(Endpoint.Host.Root, "my-gpt4o", "2024-10-21"),
                MaxRetries = 0,
                NoProxy = true,
            };
            using var client = new VisionClient(connection);

            ChatAnswer result = await client.ChatAsync(new VisionRequest { Model = "gpt-4o", Prompt = "azure" });

            CapturedRequest sent = Endpoint.Host.Requests.Last(r => r.BodyText.Contains("\"azure\""));
            Assert.Equal("/openai/deployments/my-gpt4o/chat/completions", sent.Path);
            Assert.Equal("?api-version=2024-10-21", sent.Query);
            Assert.Equal(Endpoint.ApiKey, sent.Headers["api-key"]);
            Assert.False(sent.Headers.ContainsKey("Authorization"));
            Assert.Equal("stop", result.FinishReason);
            Assert.DoesNotContain(Endpoint.ApiKey, connection.ToString());
        }

        [Fact]
        public async Task AzureWithABearerTokenSendsItAsAuthorization()
        {
            var azure = new AzureOpenAISettings(Endpoint.Host.Root, "dep") { BearerToken = Endpoint.ApiKey };
            using var client = new VisionClient(new VisionConnection { Azure = azure, MaxRetries = 0, NoProxy = true });

            await client.ChatAsync(new VisionRequest { Model = "gpt-4o", Prompt = "bearer" });

            CapturedRequest sent = Endpoint.Host.Requests.Last(r => r.BodyText.Contains("\"bearer\""));
            Assert.Equal("Bearer " + Endpoint.ApiKey, sent.Headers["Authorization"]);
            Assert.False(sent.Headers.ContainsKey("api-key"));
        }
    }
}
