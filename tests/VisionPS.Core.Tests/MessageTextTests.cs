using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests
{
    /// <summary>
    /// Text from elsewhere joins VisionPS's sentences with one period: .NET's messages end with one, VisionPS's details
    /// do not, and a message built around either must read "denied. Give another -Path", never "denied.. Give".
    /// </summary>
    public class MessageTextTests
    {
        [Theory]
        [InlineData("Could not find a part of the path '/x/y.jpg'.", "Could not find a part of the path '/x/y.jpg'.")]
        [InlineData("'/x/y.jpg' exists and -NoClobber was given", "'/x/y.jpg' exists and -NoClobber was given.")]
        [InlineData("  Access denied. \n", "Access denied.")]
        [InlineData("Is it there?", "Is it there?")]
        [InlineData("", "")]
        [InlineData(null, "")]
        public void ASentenceEndsWithExactlyOnePeriod(string? text, string expected) =>
            Assert.Equal(expected, MessageText.Sentence(text));

        [Fact]
        public void AnImageErrorWhoseDetailEndsWithAPeriodHasOnePeriod()
        {
            ImageProcessingException ex = ImageProcessingException.Damaged("a.png", ImageFormat.Png, "its data is corrupt.");
            Assert.Contains("is damaged: its data is corrupt. It was not sent;", ex.Message, System.StringComparison.Ordinal);
            Assert.DoesNotContain("..", ex.Message, System.StringComparison.Ordinal);
        }
    }
}
