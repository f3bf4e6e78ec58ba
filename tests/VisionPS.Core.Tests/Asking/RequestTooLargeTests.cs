using System;
using VisionPS.Core.Asking;
using Xunit;

namespace VisionPS.Core.Tests.Asking
{
    /// <summary>The 50 MB of images one request takes: where the line is, and how a request over it is named.</summary>
    public sealed class RequestTooLargeTests
    {
        [Fact]
        public void FiftyMillionBytesFitAndOneMoreIsRefusedInBytesNotAsFiftyMBOverFiftyMB()
        {
            Assert.Null(RequestTooLargeException.Check(new[] { ("a.png", 30_000_000L), ("b.png", 20_000_000L) }));
            RequestTooLargeException? over = RequestTooLargeException.Check(new[] { ("a.png", 30_000_000L), ("b.png", 20_000_001L) });
            Assert.NotNull(over);
            Assert.Equal(50_000_001, over!.TotalBytes);
            Assert.Equal(new[] { "a.png", "b.png" }, over.Sources);
            Assert.Contains("are 50,000,001 bytes together", over.Message, StringComparison.Ordinal);
            Assert.Contains("at most 50,000,000 bytes of images per request", over.Message, StringComparison.Ordinal);
            Assert.Contains("'a.png' (30 MB), 'b.png' (20 MB)", over.Message, StringComparison.Ordinal);
            Assert.EndsWith(over.Advice, over.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void OneImageAloneIsNamedAsItAndManyAreCountedAfterTheFirstTwenty()
        {
            RequestTooLargeException one = RequestTooLargeException.Check(new[] { ("big.png", 60_500_000L) })!;
            Assert.StartsWith("'big.png' is 60.5 MB as prepared; the service takes at most 50 MB of images per request, so it was not sent.", one.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("-PerImage", one.Message, StringComparison.Ordinal);

            var many = new (string, long)[25];
            for (int i = 0; i < many.Length; i++)
            {
                many[i] = ($"p{i}.png", 2_100_000L);
            }
            RequestTooLargeException all = RequestTooLargeException.Check(many)!;
            Assert.Contains("The 25 images of this request are 52.5 MB together", all.Message, StringComparison.Ordinal);
            Assert.Contains("'p19.png' (2.1 MB) and 5 more;", all.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("'p20.png'", all.Message, StringComparison.Ordinal);
            Assert.Contains("-PerImage", all.Advice, StringComparison.Ordinal);
        }
    }
}
