brand = Natter
test-messages = { $count } 条消息
language = 语言
language-change = 切换语言
