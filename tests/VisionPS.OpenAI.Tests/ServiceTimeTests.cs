using System;
using VisionPS.Core.Batching;
using VisionPS.Core.OpenAI;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    /// <summary>
    /// Times in the service's answers (created_at, expires_at, completed_at) are Unix seconds; an odd answer (a time past
    /// the year 9999, a negative one beyond year 1, a fraction, a huge float) is no time, never a raw .NET exception.
    /// </summary>
    public class ServiceTimeTests
    {
        [Theory]
        [InlineData("253402300800")]          // one second past 9999-12-31T23:59:59Z
        [InlineData("-62135596801")]          // one second before year 1
        [InlineData("1e20")]
        [InlineData("1700000000.5")]
        [InlineData("9223372036854775807")]
        public void AnOddTimeInABatchOrFileAnswerIsNoTime(string time)
        {
            VisionBatchJob job = VisionBatchJob.Parse(BinaryData.FromString(
                $"{{\"id\":\"batch_1\",\"status\":\"completed\",\"created_at\":{time},\"expires_at\":{time},\"completed_at\":{time}}}"));
            Assert.Null(job.CreatedAt);
            Assert.Null(job.ExpiresAt);
            Assert.Null(job.EndedAt);

            VisionFile file = VisionFile.Parse(BinaryData.FromString(
                $"{{\"id\":\"file-1\",\"object\":\"file\",\"bytes\":{time},\"created_at\":{time},\"expires_at\":{time},\"filename\":\"a.jpg\",\"purpose\":\"vision\"}}"));
            Assert.Equal("file-1", file.Id);
            Assert.Equal(default, file.CreatedAt);
            Assert.Null(file.ExpiresAt);
        }

        [Fact]
        public void AnOrdinaryTimeIsRead()
        {
            VisionBatchJob job = VisionBatchJob.Parse(BinaryData.FromString("{\"id\":\"batch_1\",\"status\":\"completed\",\"created_at\":1700000000}"));
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), job.CreatedAt);
            VisionFile file = VisionFile.Parse(BinaryData.FromString("{\"id\":\"file-1\",\"bytes\":12,\"created_at\":1700000000,\"expires_at\":1700003600}"));
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700003600), file.ExpiresAt);
            Assert.Equal(12, file.Bytes);
        }
    }
}
