using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    public class IsolationTests
    {
        [Fact]
        public void DependenciesLoadFromTheModuleFolderIntoVisionPSOwnContextEvenWhenOthersAreLoaded()
        {
            // Another "module" has already loaded its own SkiaSharp and System.Text.Json into PowerShell's context.
            string other = Path.Combine(Path.GetTempPath(), "visionps-other-module-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(other);
            File.Copy(Path.Combine(Paths.ModuleLib, "SkiaSharp.dll"), Path.Combine(other, "SkiaSharp.dll"));
            // (The in-process test endpoint may have loaded one already: that counts as "something else" too.)
            Assembly otherSkia = AssemblyLoadContext.Default.Assemblies.FirstOrDefault(a => a.GetName().Name == "SkiaSharp")
                ?? AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(other, "SkiaSharp.dll"));
            Assembly hostJson = typeof(System.Text.Json.JsonSerializer).Assembly;

            using var ps = new PowerShellSession();
            // PNG and JPEG headers are read without Skia: a WebP makes the probe load SkiaSharp and its native library.
            var info = ps.Run("Get-VisionImageInfo -LiteralPath $args[0]", Paths.CorpusFile("d_webp_lossy_alpha_wizard.webp"));
            Assert.Empty(ps.Errors);
            Assert.Equal(1104, (int)info.Single().Properties["Width"].Value);

            var context = ps.Run<AssemblyLoadContext>("[VisionPS.Loader.ModuleLoader]::Context").Single();
            Assert.NotSame(AssemblyLoadContext.Default, context);
            Assembly ourSkia = context.Assemblies.Single(a => a.GetName().Name == "SkiaSharp");
            Assert.NotSame(otherSkia, ourSkia);
            Assert.StartsWith(Paths.ModuleLib, ourSkia.Location, StringComparison.Ordinal);

            Assembly ourJson = context.LoadFromAssemblyName(new AssemblyName("System.Text.Json"));
            Assert.NotSame(hostJson, ourJson);
            Assert.StartsWith(Paths.ModuleLib, ourJson.Location, StringComparison.Ordinal);
            Assembly core = context.Assemblies.Single(a => a.GetName().Name == "VisionPS.Core");
            Assert.Same(context, AssemblyLoadContext.GetLoadContext(core));
        }

        [Fact]
        public void NativeSkiaLibraryResolvesFromTheModuleWhateverTheCurrentDirectory()
        {
            using var ps = new PowerShellSession();
            ps.Run("$null = $ExecutionContext.SessionState.Path.SetLocation($args[0])", Path.GetTempPath());
            var info = ps.Run("Get-VisionImageInfo -LiteralPath $args[0]", Paths.CorpusFile("d_webp_lossy_alpha_wizard.webp"));
            Assert.Empty(ps.Errors);
            Assert.Equal("WebP", (string)info.Single().Properties["Format"].Value);

            string maps = File.ReadAllText("/proc/self/maps");
            string shipped = Paths.NativeLib("libSkiaSharp.so");
            Assert.Contains(shipped, maps, StringComparison.Ordinal);
        }
    }
}
