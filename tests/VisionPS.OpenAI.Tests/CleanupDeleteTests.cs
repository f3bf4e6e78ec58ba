using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.Batching;
using VisionPS.Core.OpenAI;
using VisionPS.OpenAI.Tests.Support;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    /// <summary>
    /// The deletes that clean up after a stop or a failure (VisionClient.DeleteUnusedFilesAsync, SubmitBatchAsync's
    /// input), against an endpoint whose DELETE /v1/files/{id} stalls or fails (route faults; the class's tests run one
    /// after another, each setting its own).
    /// </summary>
    public sealed class CleanupDeleteTests : EndpointTests
    {
        private const string DeleteRoute = "DELETE /v1/files/{id}";

        public CleanupDeleteTests(EndpointFixture endpoint)
            : base(endpoint)
        {
            endpoint.Host.State.RouteFaults.Clear();
        }

        private async Task<string[]> UploadAsync(VisionClient client, int count)
        {
            var ids = new List<string>();
            for (int i = 0; i < count; i++)
            {
                ids.Add((await client.UploadFileAsync(TestImages.Png(8 + i, 8), $"left-{i}.png")).Id);
            }
            return ids.ToArray();
        }

        private int DeletesOf(IEnumerable<string> ids) => Endpoint.Host.Requests.Count(r => r.Method == "DELETE" && ids.Any(id => r.Path == "/v1/files/" + id));

        [Fact]
        public async Task StalledDeletesEndTogetherWithinTheBudgetAndNameEveryFileLeft()
        {
            using VisionClient client = Endpoint.Client(maxRetries: 3);
            string[] ids = await UploadAsync(client, 3);
            Endpoint.Host.State.RouteFaults[DeleteRoute] = "slow=30000";

            var clock = Stopwatch.StartNew();
            IReadOnlyList<FileLeft> left = await client.DeleteUnusedFilesAsync(ids, TimeSpan.FromSeconds(4));

            // Side by side within the one budget (three in a row would take 12 s), each tried once; 5 s of slack for a
            // busy machine (a 2 s budget and a 5 s bound left 3 s).
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(9), $"took {clock.Elapsed}");
            Assert.Equal(ids, left.Select(f => f.Id));
            Assert.All(left, f => Assert.Equal("no answer within the 4 s cleanup allows", f.Reason));
            Assert.All(ids, id => Assert.True(Endpoint.Host.State.Files.ContainsKey(id)));
            Assert.Equal(3, DeletesOf(ids));
        }

        [Fact]
        public async Task AFailingDeleteIsRetriedOnceWithoutTheServersLongWaitAndNamesTheServicesReason()
        {
            // A 429 asking for 20 s: a cleanup delete neither waits that out nor uses the client's five retries.
            using VisionClient client = Endpoint.Client(maxRetries: 5);
            string[] ids = await UploadAsync(client, 1);
            Endpoint.Host.State.RouteFaults[DeleteRoute] = "429=20000";

            var clock = Stopwatch.StartNew();
            // A 15 s budget: waiting out the 20 s would end as a timeout, and 10 s is room for two quick tries on a loaded
            // machine (with the 5 s default a 4.5 s bound left little).
            FileLeft left = Assert.Single(await client.DeleteUnusedFilesAsync(ids, TimeSpan.FromSeconds(15)));

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
            Assert.Equal(ids[0], left.Id);
            Assert.StartsWith("HTTP 429: Rate limit reached", left.Reason, StringComparison.Ordinal);
            Assert.DoesNotContain(Endpoint.ApiKey, left.Reason, StringComparison.Ordinal);
            Assert.Equal(2, DeletesOf(ids));
            Assert.Equal($"{ids[0]} ({left.Reason})", FileLeft.Describe(new[] { left }));
        }

        [Fact]
        public async Task DeletedFilesAndFilesTheServiceNoLongerHasLeaveNothing()
        {
            using VisionClient client = Endpoint.Client();
            string[] ids = await UploadAsync(client, 2);

            IReadOnlyList<FileLeft> left = await client.DeleteUnusedFilesAsync(ids.Append("file-neverthere"));

            Assert.Empty(left);
            Assert.All(ids, id => Assert.False(Endpoint.Host.State.Files.ContainsKey(id)));
        }

        [Fact]
        public async Task ABatchThatCannotBeCreatedReportsTheInputFileItCouldNotDeleteAndThrowsTheCreationsError()
        {
            using VisionClient client = Endpoint.Client(maxRetries: 0);
            var request = new VisionRequest { Model = "gpt-4.1-mini", Prompt = "x", MaxTokens = 50 };
            request.Images.Add(VisionImageInput.FromBytes(TestImages.Png(8, 8), "image/png", ImageDetail.Low));
            BatchInputFile file = Assert.Single(BatchInputBuilder.Build(client, VisionApi.Chat, new[] { new BatchItem("a", request) }));
            Endpoint.Host.State.RouteFaults["POST /v1/batches"] = "500";
            Endpoint.Host.State.RouteFaults[DeleteRoute] = "500";
            var left = new List<FileLeft>();

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.SubmitBatchAsync(file, "left.jsonl", null, default, left.Add));

            Assert.Equal(500, error.Status);
            string input = Assert.Single(Endpoint.Host.State.Files.Values, f => f.FileName == "left.jsonl").Id;
            Assert.Equal(input, Assert.Single(left).Id);
            Assert.StartsWith("HTTP 500: ", left[0].Reason, StringComparison.Ordinal);
        }
    }
}
