using System;
using System.Linq;
using System.Threading.Tasks;
using VisionPS.Core.Batching;
using VisionPS.Core.OpenAI;
using VisionPS.OpenAI.Tests.Support;
using VisionPS.TestServer;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    /// <summary>
    /// What a batch record keeps about the key its batch was submitted with (a check value, never the key), and the
    /// connection a later command builds to ask the batch at the endpoint it was created at.
    /// </summary>
    public sealed class BatchRecordEndpointTests : EndpointTests
    {
        public BatchRecordEndpointTests(EndpointFixture endpoint)
            : base(endpoint)
        {
        }

        private const string Key = "sk-batch-endpoint-check-NEVER-PRINT-3f9e";

        [Fact]
        public void TheKeyCheckDependsOnTheKeyAndTheEndpointAndNeverHoldsTheKey()
        {
            var connection = new VisionConnection { ApiKey = Key };
            string check = connection.EndpointKeyCheck("http://127.0.0.1:5000/v1");

            Assert.Matches("^[0-9a-f]{32}$", check);
            Assert.Equal(check, new VisionConnection { ApiKey = " " + Key + "\n" }.EndpointKeyCheck("http://127.0.0.1:5000/v1"));
            Assert.NotEqual(check, connection.EndpointKeyCheck("http://127.0.0.1:5001/v1"));
            Assert.NotEqual(check, new VisionConnection { ApiKey = Key + "x" }.EndpointKeyCheck("http://127.0.0.1:5000/v1"));
            Assert.DoesNotContain("NEVER", check, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(string.Empty, new VisionConnection().EndpointKeyCheck("http://127.0.0.1:5000/v1"));
        }

        [Fact]
        public async Task AnAzureRecordIsAskedAtItsResourceWithItsApiVersionAndTheApiKeyHeader()
        {
            var configured = new VisionConnection { ApiKey = Endpoint.ApiKey, MaxRetries = 0, NoProxy = true };
            // The BaseUri a record of an Azure batch holds: the resource's /openai.
            VisionConnection azure = configured.WithEndpoint(new Uri(new Uri(Endpoint.Host.Root, "openai").AbsoluteUri), "2025-04-01-preview", withKey: true);
            using var client = new VisionClient(azure);

            await Assert.ThrowsAsync<OpenAIRequestException>(() => client.GetBatchAsync("batch_azure_route_1"));

            CapturedRequest sent = Endpoint.Host.Requests.Last(r => r.Path.Contains("batch_azure_route_1", StringComparison.Ordinal));
            Assert.Equal("/openai/batches/batch_azure_route_1", sent.Path);
            Assert.Equal("?api-version=2025-04-01-preview", sent.Query);
            Assert.Equal(Endpoint.ApiKey, sent.Headers["api-key"]);
            Assert.False(sent.Headers.ContainsKey("Authorization"));
        }

        [Fact]
        public async Task WithoutTheKeyNoKeyGoesToTheRecordedEndpoint()
        {
            var configured = new VisionConnection { ApiKey = Key, MaxRetries = 0, NoProxy = true };
            VisionConnection bare = configured.WithEndpoint(Endpoint.Host.BaseUri, azureApiVersion: null, withKey: false);
            Assert.False(bare.HasApiKey);
            Assert.True(configured.HasApiKey);
            using var client = new VisionClient(bare);

            await Assert.ThrowsAsync<OpenAIRequestException>(() => client.GetBatchAsync("batch_no_key_1"));

            CapturedRequest sent = Endpoint.Host.Requests.Last(r => r.Path.Contains("batch_no_key_1", StringComparison.Ordinal));
            Assert.False(sent.Headers.ContainsKey("Authorization"));
            Assert.False(sent.Headers.ContainsKey("api-key"));
        }
    }
}
