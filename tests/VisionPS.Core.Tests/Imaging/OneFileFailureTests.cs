using System;
using System.IO;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// What one file's failure becomes in a command that reads many (ConvertTo-VisionImage, Get-VisionImageInfo): the
    /// errors a damaged, unreadable or unsupported file throws as they are; a defect of the image core (a parser's
    /// out-of-range slice on a hostile file) that file's DecodeFailed, never .NET's own text; a stop ends the command.
    /// </summary>
    public sealed class OneFileFailureTests
    {
        public static readonly TheoryData<Exception> KeptAsTheyAre = new TheoryData<Exception>
        {
            new IOException("The file is in use."),
            new UnauthorizedAccessException("Access to the path is denied."),
            new InvalidDataException("bad data"),
            new ArgumentException("Illegal characters in path."),
            new NotSupportedException("The given path's format is not supported."),
        };

        [Theory]
        [MemberData(nameof(KeptAsTheyAre))]
        public void WhatAFileItselfCausesIsKept(Exception ex) => Assert.Same(ex, ImageProcessingException.OfOneFile(ex, "a.png"));

        public static readonly TheoryData<Exception> Defects = new TheoryData<Exception>
        {
            new ArgumentOutOfRangeException("start", "Specified argument was out of the range of valid values."),
            new ArgumentNullException("pixels"),
            new IndexOutOfRangeException(),
            new NullReferenceException(),
            new InvalidOperationException("Sequence contains no elements"),
        };

        [Theory]
        [MemberData(nameof(Defects))]
        public void ADefectIsThatFilesDecodeFailedInWords(Exception ex)
        {
            var failure = Assert.IsType<ImageProcessingException>(ImageProcessingException.OfOneFile(ex, "a.png"));
            Assert.Equal(ImageErrorReason.DecodeFailed, failure.Reason);
            Assert.Contains("'a.png'", failure.Message, StringComparison.Ordinal);
            Assert.Contains("a defect in VisionPS", failure.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(ex.Message, failure.Message, StringComparison.Ordinal);
            Assert.Same(ex, failure.InnerException);
        }

        [Fact]
        public void AStopOrOutOfMemoryEndsTheCommand()
        {
            Assert.Null(ImageProcessingException.OfOneFile(new OperationCanceledException(), "a.png"));
            Assert.Null(ImageProcessingException.OfOneFile(new OutOfMemoryException(), "a.png"));
        }
    }
}
