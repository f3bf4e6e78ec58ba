using System;
using System.Linq;
using VisionPS.Core.Asking;
using Xunit;

namespace VisionPS.Core.Tests.Asking
{
    /// <summary>
    /// The 20 MB an image and 50 MB a request the service takes, counted as the request carries each input: where the
    /// lines are, and how a request over them is named.
    /// </summary>
    public sealed class RequestTooLargeTests
    {
        [Fact]
        public void AnInlineInputCountsAsItsBase64DataUrl()
        {
            Assert.Equal("data:image/png;base64,".Length + 4, ImageRequestLimits.DataUrlLength(1, "image/png"));
            Assert.Equal("data:image/png;base64,".Length + 4, ImageRequestLimits.DataUrlLength(3, "image/png"));
            Assert.Equal("data:image/png;base64,".Length + 8, ImageRequestLimits.DataUrlLength(4, "image/png"));
            RequestPart pdf = RequestPart.Inline("a.pdf", 3_000_000, "application/pdf", isImage: false);
            Assert.Equal(4_000_000 + "data:application/pdf;base64,".Length, pdf.Counted);
            Assert.False(pdf.IsImage);
            Assert.Equal(5_000_000, RequestPart.Uploaded("b.png", 5_000_000).Counted);
            Assert.Equal("https://x.example/c.png".Length, RequestPart.Reference("https://x.example/c.png", "https://x.example/c.png").Counted);
        }

        [Fact]
        public void FiftyMillionBytesAsSentFitAndOneMoreIsRefusedInBytesNotAsFiftyMBOverFiftyMB()
        {
            // Three images of 12,499,992 bytes are 16,666,656 characters each as data URLs (with the 22-character prefix
            // 16,666,678): 50,000,034 together; the raw bytes (37.5 MB) would have passed.
            RequestPart Png(string name, long bytes) => RequestPart.Inline(name, bytes, "image/png");
            Assert.Null(RequestTooLargeException.Check(new[] { Png("a.png", 12_499_980), Png("b.png", 12_499_980), Png("c.png", 12_499_980) }));
            RequestTooLargeException? over = RequestTooLargeException.Check(new[] { Png("a.png", 12_499_992), Png("b.png", 12_499_992), Png("c.png", 12_499_992) });
            Assert.NotNull(over);
            Assert.Equal(50_000_034, over!.TotalBytes);
            Assert.Equal(ImageRequestLimits.MaxImageBytesPerRequest, over.Limit);
            Assert.Equal(new[] { "a.png", "b.png", "c.png" }, over.Sources);
            Assert.Contains("The 3 images of this request are 50,000,034 bytes together as sent (inline images and PDFs go as base64 data URLs, 4/3 of their bytes)", over.Message, StringComparison.Ordinal);
            Assert.Contains("at most 50,000,000 bytes of images per request, so nothing was sent.", over.Message, StringComparison.Ordinal);
            Assert.Contains("'a.png' (16.67 MB), 'b.png' (16.67 MB)", over.Message, StringComparison.Ordinal);
            Assert.EndsWith(over.Advice, over.Message, StringComparison.Ordinal);
            Assert.Contains("-PerImage", over.Advice, StringComparison.Ordinal);
        }

        [Fact]
        public void AnInlinePdfCountsWithTheImagesAndAUrlOnlyAsItself()
        {
            RequestPart[] parts =
            {
                RequestPart.Inline("a.png", 14_000_000, "image/png"),
                RequestPart.Inline("b.png", 14_000_000, "image/png"),
                RequestPart.Reference("https://x.example/c.png", "https://x.example/c.png"),
            };
            Assert.Null(RequestTooLargeException.Check(parts)); // 37.3 MB as data URLs, and a URL
            RequestTooLargeException over = RequestTooLargeException.Check(parts.Append(RequestPart.Inline("d.pdf", 10_000_000, "application/pdf", isImage: false)).ToList())!;
            Assert.Equal(50_666_767, over.TotalBytes);
            Assert.Contains("The 3 images and 1 PDF of this request are 50.67 MB together", over.Message, StringComparison.Ordinal);
            Assert.Contains("'https://x.example/c.png' (by URL), 'd.pdf' (13.33 MB)", over.Message, StringComparison.Ordinal);
            Assert.Contains("at most 50 MB of images and PDFs per request", over.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void AnImageOver20MBAsSentIsRefusedAloneThoughTheRequestFits()
        {
            // 15,000,000 bytes fit 20 MB; as a data URL (20,000,022) they do not. 14,999,982 bytes are 19,999,998.
            Assert.Null(RequestTooLargeException.Check(new[] { RequestPart.Inline("ok.png", 14_999_982, "image/png") }));
            RequestTooLargeException one = RequestTooLargeException.Check(new[] { RequestPart.Inline("cat.jpg", 1000, "image/jpeg"), RequestPart.Inline("big.png", 15_000_000, "image/png") })!;
            Assert.Equal(new[] { "big.png" }, one.Sources);
            Assert.Equal(ImageRequestLimits.MaxBytesPerImage, one.Limit);
            Assert.StartsWith("'big.png' is 20,000,022 bytes as sent (a base64 data URL of its 15 MB); the service takes at most 20,000,000 bytes an image, so nothing was sent.", one.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("-PerImage", one.Message, StringComparison.Ordinal);

            // A PDF is held to the PDF limits instead (32 MB of PDF a request: PdfDocumentCheck).
            Assert.Null(RequestTooLargeException.Check(new[] { RequestPart.Inline("doc.pdf", 30_000_000, "application/pdf", isImage: false) }));

            RequestTooLargeException two = RequestTooLargeException.Check(new[] { RequestPart.Inline("a.png", 16_000_000, "image/png"), RequestPart.Inline("b.png", 17_000_000, "image/png") })!;
            Assert.Equal(new[] { "a.png", "b.png" }, two.Sources);
            Assert.StartsWith("2 images are each more than the 20 MB an image the service takes", two.Message, StringComparison.Ordinal);
            Assert.Contains("Make them smaller", two.Advice, StringComparison.Ordinal);
        }

        [Fact]
        public void UploadedImagesCountByTheirBytesAndAreSaidToBeNotUploaded()
        {
            // 45 MB uploaded fit (they are attached by file id, not carried as base64); 51 MB do not.
            Assert.Null(RequestTooLargeException.Check(Enumerable.Range(0, 9).Select(i => RequestPart.Uploaded($"p{i}.png", 5_000_000)).ToList()));
            RequestTooLargeException over = RequestTooLargeException.Check(Enumerable.Range(0, 11).Select(i => RequestPart.Uploaded($"p{i}.png", 4_700_000)).ToList())!;
            Assert.StartsWith("The 11 images of this message are 51.7 MB together as uploaded: 'p0.png' (4.7 MB)", over.Message, StringComparison.Ordinal);
            Assert.Contains("so nothing was uploaded.", over.Message, StringComparison.Ordinal);
            Assert.Contains("Add-AssistantImage -ConversationId", over.Advice, StringComparison.Ordinal);
            RequestTooLargeException one = RequestTooLargeException.Check(new[] { RequestPart.Uploaded("big.png", 21_000_000) })!;
            Assert.StartsWith("'big.png' is 21 MB as uploaded; the service takes at most 20 MB an image, so nothing was uploaded.", one.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void ManyAreCountedAfterTheFirstTwenty()
        {
            RequestPart[] many = Enumerable.Range(0, 25).Select(i => RequestPart.Uploaded($"p{i}.png", 2_100_000)).ToArray();
            RequestTooLargeException all = RequestTooLargeException.Check(many)!;
            Assert.Contains("The 25 images of this message are 52.5 MB together", all.Message, StringComparison.Ordinal);
            Assert.Contains("'p19.png' (2.1 MB) and 5 more;", all.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("'p20.png'", all.Message, StringComparison.Ordinal);
        }
    }
}
