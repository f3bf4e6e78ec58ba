using VisionPS.Core;
using Xunit;

namespace VisionPS.Core.Tests
{
    public sealed class CommandTextTests
    {
        [Theory]
        [InlineData("file-abc123", "file-abc123")]
        [InlineData("batch_69e1.x-2", "batch_69e1.x-2")]
        [InlineData("file-1; Write-Host PWNED #", "'file-1; Write-Host PWNED #'")]
        [InlineData("it's", "'it''s'")]
        [InlineData("a\u2019; b \u2018c\u201A\u201B", "'a\u2019\u2019; b \u2018\u2018c\u201A\u201A\u201B\u201B'")] // PowerShell's other single quotes
        [InlineData("file-1\n", "'file-1'")] // $ would match before a final newline: the word check ends at the very end
        [InlineData("file-1\r\nRemove-Item ~\u001b[2J\u202e", "'file-1Remove-Item ~[2J'")]
        [InlineData("1e5", "'1e5'")] // a number to PowerShell (100000), not the text
        [InlineData("0x10", "'0x10'")]
        [InlineData("-Force", "'-Force'")] // a parameter, not a value
        [InlineData("$env:HOME", "'$env:HOME'")]
        [InlineData("/tmp/a b.jpg", "'/tmp/a b.jpg'")]
        [InlineData("", "''")]
        public void AnArgumentIsABareWordOnlyWhenItIsOne(string value, string expected)
            => Assert.Equal(expected, CommandText.Argument(value));

        [Fact]
        public void SeveralAreOneListArgument()
            => Assert.Equal("file-a, 'file b', file-c", CommandText.Arguments(new[] { "file-a", "file b", "file-c" }));
    }
}
