# natter 和 natter-tui 的命令行：帮助的标题和选项，以及参数错在哪里。
# 选项、取值和参数名（{ $arg }）按输入原样保留。

cli-usage = 用法：
cli-arguments = 参数：
cli-options = 选项：
cli-help = 显示帮助
cli-version = 显示版本
# 参数说明之后：默认值、可选值和环境变量。
cli-notes = { $text }（{ $notes }）
cli-notes-separator = { "；" }
cli-default = 默认 { $value }
cli-possible = 可选值：{ $values }
cli-env = 环境变量 { $name }

## 拒绝。
cli-error = 错误：
cli-unknown-argument = 未知参数“{ $arg }”
cli-value-required = “{ $arg }”需要一个值
cli-invalid-value = “{ $arg }”的值“{ $value }”无效
cli-missing = 缺少必需的参数：{ $args }
cli-conflict = “{ $arg }”不能与“{ $other }”同时使用
cli-value-count = “{ $arg }”的值个数不对
cli-no-equals = “{ $arg }”的值要写在“=”之后
cli-not-utf8 = 命令行不是有效的 UTF-8
cli-similar = 提示：有相似的参数“{ $arg }”
cli-more = 更多信息请使用“{ $flag }”。
